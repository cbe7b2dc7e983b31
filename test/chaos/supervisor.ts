/**
 * Keeps one service (the reader, or one sink) running the way Kubernetes would: a process that dies by itself is
 * started again after a second (restartPolicy: Always), one whose /healthz fails three probes in a row is killed
 * and started again (the liveness probe of k8s/base, at a 2 s period instead of 10 s), and the chaos run's own
 * kill -9 is followed by a start after the fault's downtime. Exits the run did not cause are recorded: they are the services' own reaction to
 * a fault (a fatal error instead of a retry), which the report shows.
 */
import { runningServices, type ServiceName, ServiceProcess } from '../support/service-process.ts';

export interface UnexpectedExit {
  service: string;
  atSeconds: number;
  code: number | null;
  signal: string | null;
  /** The last lines of its output, for the report. */
  tail: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Supervisor {
  private current: ServiceProcess | undefined;
  /** True while the run itself stops the service (a fault, or the end). */
  private holding = false;
  private closed = false;
  private starting: Promise<void> | undefined;
  readonly logFiles: string[] = [];
  starts = 0;

  constructor(
    readonly name: string,
    private readonly service: ServiceName,
    private readonly env: () => Record<string, string>,
    private readonly clock: () => number,
    private readonly unexpected: UnexpectedExit[],
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the service and waits (bounded) until it is ready; retried while it dies before that. */
  start(timeoutMs = 180_000): Promise<void> {
    this.holding = false;
    this.starting ??= this.startUntilReady(timeoutMs).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.closed || this.holding) return;
      let process: ServiceProcess | undefined;
      try {
        // Up first (/healthz), then ready with the handle in hand: a start that never gets ready is killed
        // here, never left behind to fight its successor for the slot or the ops port.
        process = await ServiceProcess.start({
          service: this.service,
          name: this.name,
          env: this.env(),
          waitReady: false,
          readyTimeoutMs: Math.max(5_000, deadline - Date.now()),
        });
        this.logFiles.push(process.logFile);
        await process.waitReady(Math.max(5_000, deadline - Date.now()));
        this.starts++;
        this.current = process;
        void this.probeLiveness(process);
        void process.exited.then((exit) => this.onExit(process as ServiceProcess, exit.code, exit.signal));
        return;
      } catch (error) {
        await process?.kill();
        for (const stray of runningServices())
          if (stray.name === this.name && stray !== this.current) await stray.kill();
        if (Date.now() > deadline)
          throw new Error(`${this.name} did not become ready within ${timeoutMs} ms`, { cause: error });
        this.log(
          `${this.name}: start attempt ${attempt} failed, retrying (${(error as Error).message.split('\n')[0]})`,
        );
        await sleep(1_000);
      }
    }
  }

  private onExit(process: ServiceProcess, code: number | null, signal: string | null): void {
    if (this.current !== process) return;
    this.current = undefined;
    if (this.holding || this.closed) return;
    this.unexpected.push({
      service: this.name,
      atSeconds: this.clock(),
      code,
      signal,
      tail: process.tail(15),
    });
    this.log(`${this.name} exited by itself (code ${code}, signal ${signal}); restarting it`);
    void sleep(1_000).then(() => this.start().catch((error) => this.log(`${this.name}: ${error}`)));
  }

  /** The liveness probe: three failed /healthz in a row (2 s apart) and the process is replaced. */
  private async probeLiveness(process: ServiceProcess): Promise<void> {
    let failures = 0;
    while (this.current === process && process.alive) {
      await sleep(2_000);
      failures = (await process.healthz())?.status === 200 ? 0 : failures + 1;
      if (failures < 3 || this.current !== process || this.holding || this.closed) continue;
      this.unexpected.push({
        service: this.name,
        atSeconds: this.clock(),
        code: null,
        signal: 'liveness probe failed',
        tail: process.tail(15),
      });
      this.log(`${this.name}: liveness probe failed 3 times; replacing it`);
      // The kill ends in onExit, which does not count it twice: the process is no longer current by then.
      this.current = undefined;
      await process.kill();
      void this.start().catch((error) => this.log(`${this.name}: ${error}`));
      return;
    }
  }

  /** kill -9, as a crash; the service stays down until `start()`. */
  async kill(): Promise<void> {
    this.holding = true;
    await this.starting?.catch(() => undefined);
    await this.current?.kill();
    this.current = undefined;
  }

  get ready(): Promise<boolean> {
    return (this.current?.readyz() ?? Promise.resolve(undefined)).then((probe) => probe?.status === 200);
  }

  /** Waits (bounded) until the running process answers /readyz with 200. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.ready)) {
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms\n${this.tail()}`);
      await sleep(250);
    }
  }

  /** The running process' metrics whose names match (for failure messages), or why there are none. */
  async metricLines(pattern: RegExp): Promise<string> {
    const text = await this.current?.metrics().catch((error: Error) => error.message.split('\n')[0]);
    return (text ?? 'not running')
      .split('\n')
      .filter((line) => pattern.test(line))
      .join('\n');
  }

  tail(lines = 40): string {
    return this.current?.tail(lines) ?? `${this.name}: not running`;
  }

  /** Lines of the running process' output that match (the services log JSON lines). */
  logged(pattern: RegExp): string[] {
    return this.current?.logged(pattern) ?? [];
  }

  /** The end of the run: SIGTERM (a clean stop), SIGKILL after the grace period. */
  async close(graceMs = 20_000): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    const process = this.current;
    this.current = undefined;
    if (process?.alive) await process.terminate(graceMs).catch(() => process.kill());
  }
}
