/**
 * Carries out the planned faults: kill -9 the victim, leave it down for the planned time, start it again and
 * wait (bounded) until it is back. The other components are left to cope on their own, as in
 * production; only the victim is brought back by the run, the way a kubelet or a database's supervisor would.
 */
import type { ChaosEnvironment } from './environment.ts';
import type { FaultKind, PlannedFault } from './plan.ts';
import type { Supervisor } from './supervisor.ts';

export interface InjectedFault {
  kind: FaultKind;
  /** Which process, cluster or broker. */
  victim: string;
  /** Seconds after the workload started, as planned and as it happened. */
  plannedAtSeconds: number;
  atSeconds: number;
  downMs: number;
  /** From the kill until the victim was back (ready, or accepting connections). */
  recoveredAfterMs: number;
  afterLargeTransaction: boolean;
  /** Other faults under way when this one struck. */
  overlapping: string[];
}

export interface FaultTargets {
  environment: ChaosEnvironment;
  reader: Supervisor;
  sinks: Supervisor[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** After a kill, orphaned backends may hold the old shared memory for a moment: a start may need a retry. */
async function restartCluster(cluster: ChaosEnvironment['core']): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await cluster.start(60_000);
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(1_000);
    }
  }
}

export class FaultInjector {
  readonly injected: InjectedFault[] = [];
  /** Faults under way (victim down or not yet back), for the overlap record. */
  private inProgress: string[] = [];
  private struck = 0;

  constructor(
    private readonly targets: FaultTargets,
    private readonly clock: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Runs each fault at its planned moment. Faults on different victims may overlap (the reader killed while
   * the broker is down); faults on the same victim wait for the previous one to end.
   */
  async run(faults: readonly PlannedFault[], startedAt: number, signal: AbortSignal): Promise<void> {
    const lanes = new Map<string, Promise<void>>();
    for (const fault of faults) {
      const wait = startedAt + fault.atMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (signal.aborted) break;
      const lane = fault.kind === 'sink' ? `sink-${fault.sink}` : fault.kind;
      const previous = lanes.get(lane) ?? Promise.resolve();
      lanes.set(
        lane,
        previous.then(() => (signal.aborted ? undefined : this.inject(fault))),
      );
    }
    const outcomes = await Promise.allSettled(lanes.values());
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  }

  async inject(fault: PlannedFault): Promise<void> {
    const { environment, reader, sinks } = this.targets;
    const atSeconds = this.clock();
    const overlapping = this.inProgress.map((other) => other);
    const self = `${fault.kind}@${atSeconds.toFixed(1)}s`;
    this.inProgress.push(self);
    const started = performance.now();
    const sink = sinks[fault.sink % sinks.length] as Supervisor;
    const victim = {
      reader: reader.name,
      sink: sink.name,
      broker: 'kafka broker',
      'analytics-db': 'analytics postgres',
      'core-db': 'core postgres',
    }[fault.kind];
    this.log(
      `fault ${++this.struck}: kill -9 ${victim} at ${atSeconds.toFixed(1)} s, down ${fault.downMs} ms` +
        (fault.afterLargeTransaction ? ' (during a large transaction)' : '') +
        (overlapping.length ? ` (while ${overlapping.join(', ')} under way)` : ''),
    );
    switch (fault.kind) {
      case 'reader':
        await reader.kill();
        await sleep(fault.downMs);
        await reader.start();
        break;
      case 'sink':
        await sink.kill();
        await sleep(fault.downMs);
        await sink.start();
        break;
      case 'broker':
        await environment.broker.stop();
        await sleep(fault.downMs);
        await environment.broker.start(120_000);
        break;
      case 'analytics-db':
        await environment.analytics.kill();
        await sleep(fault.downMs);
        await restartCluster(environment.analytics);
        break;
      case 'core-db':
        await environment.core.kill();
        await sleep(fault.downMs);
        await restartCluster(environment.core);
        break;
    }
    this.inProgress = this.inProgress.filter((other) => other !== self);
    const recoveredAfterMs = Math.round(performance.now() - started);
    this.log(`    ${victim} back after ${recoveredAfterMs} ms`);
    this.injected.push({
      kind: fault.kind,
      victim,
      plannedAtSeconds: fault.atMs / 1000,
      atSeconds,
      downMs: fault.downMs,
      recoveredAfterMs,
      afterLargeTransaction: fault.afterLargeTransaction,
      overlapping,
    });
  }
}
