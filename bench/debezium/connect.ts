/**
 * Kafka Connect standalone as a child process of the bench: a worker config (our Kafka, the cached plugin path,
 * a file offset store in a temp folder, REST on a free local port) and one properties file per connector
 * (connectors.ts builds them: Debezium's PostgreSQL source, its JDBC sink). Standalone mode keeps the set-up to
 * one process with nothing stored in Kafka but the topics and, for sinks, a consumer group `connect-<name>`.
 *
 * The worker's default converters are Kafka's JsonConverter with schemas disabled (plain JSON payloads of the
 * Debezium envelope); a connector that needs schemas sets its own `key.converter`/`value.converter`
 * (JsonConverter with schemas, or Apicurio's AvroConverter speaking to our registry; see connectors.ts).
 *
 * Debezium 3.3 logs, at start-up, that it cannot instantiate its CloudEventsConverter against Kafka 4.1's
 * connect-json (NoSuchMethodException JsonConverter.convertToConnect): harmless, that converter is not used.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DebeziumArtifacts } from './artifacts.ts';

export interface ConnectOptions {
  brokers: string[];
  /** One properties map per connector; each needs a unique `name`. */
  connectors: Record<string, string>[];
  /** Java heap cap, e.g. "512m" (BENCH_CONNECT_HEAP overrides). */
  heap?: string;
}

export interface RunningConnect {
  readonly process: ChildProcess;
  readonly restUrl: string;
  readonly logFile: string;
  readonly workerConfig: Record<string, string>;
  /** The connectors' configs, passwords masked. */
  readonly connectorConfigs: Record<string, string>[];
  /** Resolves once every connector and its tasks report RUNNING over REST; rejects on FAILED, exit or timeout. */
  waitUntilRunning(timeoutMs?: number): Promise<void>;
  /** The first FAILED connector or task's trace, if any (one REST call; undefined when REST is down). */
  failure(): Promise<string | undefined>;
  /** Peak resident memory of the JVM so far (VmHWM), in bytes; 0 when unreadable. */
  peakRssBytes(): number;
  /** SIGTERM (Connect's shutdown hook stops the connector and flushes offsets), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** The last lines of the worker's log, for error messages. */
  logTail(lines?: number): string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function properties(values: Record<string, string>): string {
  // Backslashes are escapes in .properties files; none of our values needs one except Windows paths.
  return `${Object.entries(values)
    .map(([key, value]) => `${key}=${value.replaceAll('\\', '\\\\')}`)
    .join('\n')}\n`;
}

/** Masks every `*password*` value, so configs can go into the results JSON. */
function masked(config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, key.includes('password') ? '***' : value]),
  );
}

interface ConnectorStatus {
  connector: { state: string; trace?: string };
  tasks: { state: string; trace?: string }[];
}

export async function startConnect(
  artifacts: DebeziumArtifacts,
  options: ConnectOptions,
): Promise<RunningConnect> {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-debezium-'));
  const port = await freePort();
  const restUrl = `http://127.0.0.1:${port}`;
  const workerConfig: Record<string, string> = {
    'bootstrap.servers': options.brokers.join(','),
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter.schemas.enable': 'false',
    'offset.storage.file.filename': path.join(work, 'offsets.dat'),
    'offset.flush.interval.ms': '1000',
    'plugin.path': artifacts.pluginPath,
    'plugin.discovery': 'only_scan',
    // Lets a sink connector's config tune its own consumer (consumer.override.*).
    'connector.client.config.override.policy': 'All',
    listeners: restUrl,
  };
  const workerFile = path.join(work, 'worker.properties');
  writeFileSync(workerFile, properties(workerConfig), { mode: 0o600 });
  const connectorFiles = options.connectors.map((config, index) => {
    const file = path.join(work, `connector-${index}.properties`);
    writeFileSync(file, properties(config), { mode: 0o600 });
    return file;
  });
  const names = options.connectors.map((config) => config.name ?? '');
  const logFile = path.join(work, 'connect.log');
  const log = createWriteStream(logFile);
  const heap = process.env.BENCH_CONNECT_HEAP ?? options.heap ?? '1g';
  const child = spawn(
    'java',
    [
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      artifacts.runtimeClasspath.join(path.delimiter),
      'org.apache.kafka.connect.cli.ConnectStandalone',
      workerFile,
      ...connectorFiles,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const logTail = (lines = 40) => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const statuses = async (): Promise<ConnectorStatus[] | undefined> => {
    try {
      const all: ConnectorStatus[] = [];
      for (const name of names) {
        const response = await fetch(`${restUrl}/connectors/${name}/status`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (!response.ok) return undefined;
        all.push((await response.json()) as ConnectorStatus);
      }
      return all;
    } catch {
      return undefined; // REST not listening yet, or gone
    }
  };
  const failureOf = (all: ConnectorStatus[]) =>
    all.flatMap((status) => [status.connector, ...status.tasks]).find((s) => s.state === 'FAILED');
  return {
    process: child,
    restUrl,
    logFile,
    workerConfig: { ...workerConfig },
    connectorConfigs: options.connectors.map(masked),
    logTail,
    peakRssBytes: () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1];
        return kb ? Number(kb) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    async failure() {
      const all = await statuses();
      const failed = all && failureOf(all);
      return failed ? (failed.trace ?? 'FAILED without a trace') : undefined;
    },
    async waitUntilRunning(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exitCode !== undefined) {
          throw new Error(`Kafka Connect exited (${exitCode}) before the connectors ran:\n${logTail()}`);
        }
        const all = await statuses();
        const failed = all && failureOf(all);
        if (failed) throw new Error(`Connect connector FAILED: ${failed.trace ?? ''}\n${logTail()}`);
        const running = (s: { state: string }) => s.state === 'RUNNING';
        if (
          all?.every(
            (status) => running(status.connector) && status.tasks.length > 0 && status.tasks.every(running),
          )
        ) {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(
        `Connect connectors ${names.join(', ')} not RUNNING after ${timeoutMs} ms:\n${logTail()}`,
      );
    },
    async stop(timeoutMs = 30_000) {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      if (!process.env.BENCH_KEEP_CONNECT_LOG) rmSync(work, { recursive: true, force: true });
    },
  };
}
