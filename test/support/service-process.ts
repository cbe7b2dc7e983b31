/**
 * A service's real entry point (services/<name>/main.ts) as a child process, the way Kubernetes runs it: its
 * settings from the environment, its ops endpoints on a free loopback port, its logs kept (in a file and the
 * last lines in memory, printed when a test fails), and the signals a kubelet sends: SIGTERM on `terminate()`
 * (with /readyz watched every 10 ms until the process is gone), SIGKILL on `kill()`. Every child still running
 * is killed by `stopAllServices()` (afterAll) and, failing that, when the test worker exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../scripts/stack/topology.ts';
import { freePort } from './free-port.ts';

export const serviceEntries = {
  reader: 'services/replication-reader/main.ts',
  sink: 'services/raw-sink/main.ts',
  marts: 'services/marts-builder/main.ts',
} as const;

export type ServiceName = keyof typeof serviceEntries;

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Since SIGTERM (terminate) or since the start (a process that exited by itself). */
  ms: number;
}

/** What /readyz said between SIGTERM and the exit. */
export interface ReadinessWatch {
  /** A 503 answered before the process exited. */
  sawNotReady: boolean;
  /** Milliseconds from SIGTERM to the first 503 (as it arrived here), and to the last 200. */
  firstNotReadyMs: number | undefined;
  /** Wall-clock time (Date.now()) the first 503 arrived here: compare with the service's log times. */
  firstNotReadyAt: number | undefined;
  lastReadyMs: number | undefined;
  /** Polls answered (200 or 503) and polls that found nobody listening. */
  answered: number;
  refused: number;
}

export interface Termination extends ServiceExit {
  readiness: ReadinessWatch;
}

export interface Probe {
  status: number;
  detail: string;
}

/**
 * The core schema as the core migrations build it (their "up" halves, types and tables only). The entry points
 * carry the repository's connector catalogue, so the scratch core database they read must have the real tables.
 */
export function coreSchema(): string {
  const directory = path.join(repoRoot, 'db', 'core', 'migrations');
  return readdirSync(directory)
    .filter((file) => /create_/.test(file))
    .sort()
    .map((file) => readFileSync(path.join(directory, file), 'utf8').split('-- migrate:down')[0] as string)
    .join('\n');
}

const running = new Set<ServiceProcess>();
const logDirectory = path.join(tmpdir(), 'cdc-service-logs');
/** Lines of output kept in memory (all of it goes to the log file). */
const keptLines = 5_000;

/** GET on the ops port; undefined when nobody answers (not listening yet, or gone). */
async function probe(url: string, timeoutMs = 1_000): Promise<Probe | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    let detail = body;
    try {
      detail = (JSON.parse(body) as { detail?: string }).detail ?? body;
    } catch {
      // /metrics or a plain-text answer: the body is the detail
    }
    return { status: response.status, detail };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ServiceProcess {
  readonly exited: Promise<ServiceExit>;
  private readonly startedAt = performance.now();
  private signalledAt: number | undefined;
  private readonly lines: string[] = [];
  private partial = '';
  private readonly log: WriteStream;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    const keep = (chunk: Buffer) => {
      this.log.write(chunk);
      const text = this.partial + chunk.toString();
      const complete = text.split('\n');
      this.partial = complete.pop() ?? '';
      this.lines.push(...complete);
      if (this.lines.length > keptLines) this.lines.splice(0, this.lines.length - keptLines);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(this);
        resolve({ code, signal, ms: Math.round(performance.now() - (this.signalledAt ?? this.startedAt)) });
      });
    });
    // The log stream ends after the pipes drained, so the tail holds the last words.
    child.once('close', () => this.log.end());
  }

  /**
   * Spawns `node --import tsx <entry>` (never the tsx CLI: SIGTERM and SIGKILL must reach the service itself,
   * not a wrapper) with `env` over this process' environment and OPS_HOST/OPS_PORT on a free loopback port.
   * Waits until /readyz answers 200 unless `waitReady` is false (a replica expected to wait).
   */
  static async start(options: {
    service: ServiceName;
    /** For messages and the log file name (default: the service). */
    name?: string;
    env: Record<string, string>;
    waitReady?: boolean;
    readyTimeoutMs?: number;
  }): Promise<ServiceProcess> {
    const name = options.name ?? options.service;
    mkdirSync(logDirectory, { recursive: true });
    const port = await freePort();
    const logFile = path.join(logDirectory, `${name}-${Date.now().toString(36)}-${port}.log`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, serviceEntries[options.service])],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          ENV: 'test',
          LOG_LEVEL: 'info',
          ...options.env,
          OPS_HOST: '127.0.0.1',
          OPS_PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const service = new ServiceProcess(name, port, logFile, child);
    running.add(service);
    if (options.waitReady ?? true) await service.waitReady(options.readyTimeoutMs ?? 90_000);
    else await service.waitListening(options.readyTimeoutMs ?? 90_000);
    return service;
  }

  get opsUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  readyz(): Promise<Probe | undefined> {
    return probe(`${this.opsUrl}/readyz`);
  }

  healthz(): Promise<Probe | undefined> {
    return probe(`${this.opsUrl}/healthz`);
  }

  async metrics(): Promise<string> {
    const answer = await probe(`${this.opsUrl}/metrics`, 5_000);
    if (answer?.status !== 200) throw new Error(`${this.name}: /metrics did not answer\n${this.tail()}`);
    return answer.detail;
  }

  /** A metric without labels (or the sum over its series), undefined when absent. */
  async metric(name: string): Promise<number | undefined> {
    const text = await this.metrics();
    let found: number | undefined;
    for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm')))
      found = (found ?? 0) + Number(match[1]);
    return found;
  }

  /** Resolves once /readyz answers 200; throws (with the log tail) if the process exits or time runs out. */
  async waitReady(timeoutMs: number): Promise<number> {
    return this.waitFor(async () => (await this.readyz())?.status === 200, 'ready (/readyz 200)', timeoutMs);
  }

  /** Resolves once /healthz answers at all (the ops endpoints are up), with 200. */
  async waitListening(timeoutMs: number): Promise<number> {
    return this.waitFor(
      async () => (await this.healthz())?.status === 200,
      'alive (/healthz 200)',
      timeoutMs,
    );
  }

  /**
   * SIGTERM, as the kubelet sends it, then /readyz polled every ~10 ms until the process is gone. Resolves
   * with the exit and what readiness said; after `timeoutMs` (the grace period) the process is SIGKILLed, as
   * the kubelet would, and the exit says so.
   */
  async terminate(timeoutMs = 120_000): Promise<Termination> {
    if (!this.alive) throw new Error(`${this.name} is not running\n${this.tail()}`);
    this.signalledAt = performance.now();
    this.child.kill('SIGTERM');
    const watch: ReadinessWatch = {
      sawNotReady: false,
      firstNotReadyMs: undefined,
      firstNotReadyAt: undefined,
      lastReadyMs: undefined,
      answered: 0,
      refused: 0,
    };
    let gone = false;
    const watcher = (async () => {
      while (!gone) {
        const answer = await probe(`${this.opsUrl}/readyz`, 500);
        // An answer that arrives after the exit was still given before it.
        const at = Math.round(performance.now() - (this.signalledAt as number));
        if (answer === undefined) watch.refused++;
        else {
          watch.answered++;
          if (answer.status === 200) watch.lastReadyMs = at;
          else {
            watch.sawNotReady = true;
            watch.firstNotReadyMs ??= at;
            watch.firstNotReadyAt ??= Date.now();
          }
        }
        await sleep(10);
      }
    })();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    gone = true;
    await watcher;
    return { ...exit, readiness: watch };
  }

  /** SIGKILL (a crash, or cleanup); resolves once the process is gone. */
  async kill(): Promise<ServiceExit> {
    if (this.alive) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The last lines of the service's output, for failure messages. */
  tail(lines = 60): string {
    const last = [...this.lines, this.partial].filter(Boolean).slice(-lines);
    return `--- ${this.name} (pid ${this.pid}, log ${this.logFile}), last ${last.length} lines:\n${last.join('\n')}`;
  }

  /** Lines of output (the last kept) matching a pattern; the services log JSON, one object per line. */
  logged(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  private async waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.alive) {
        const exit = await this.exited;
        throw new Error(
          `${this.name} exited (code ${exit.code}, signal ${exit.signal}) before it was ${what}\n${this.tail()}`,
        );
      }
      if (await check()) return Math.round(performance.now() - this.startedAt);
      if (performance.now() > deadline) {
        throw new Error(`${this.name} was not ${what} within ${timeoutMs} ms\n${this.tail()}`);
      }
      await sleep(100);
    }
  }
}

/** Every service process still running (for tail printing on failure). */
export function runningServices(): ServiceProcess[] {
  return [...running];
}

/**
 * afterAll: every service still running is asked to stop (SIGTERM, so a reader lets go of its slot at once)
 * and SIGKILLed after `graceMs`; resolves once all are gone.
 */
export async function stopAllServices(graceMs = 15_000): Promise<void> {
  await Promise.all(
    [...running].map(async (service) => {
      if (!service.alive) return service.exited;
      const timer = setTimeout(() => void service.kill(), graceMs);
      process.kill(service.pid as number, 'SIGTERM');
      const exit = await service.exited;
      clearTimeout(timer);
      return exit;
    }),
  );
}

// Last resort when the worker ends without afterAll (a crash, a timeout): no child outlives the tests.
process.once('exit', () => {
  for (const service of running) {
    try {
      if (service.pid) process.kill(service.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
