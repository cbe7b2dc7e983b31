/**
 * Carries out the planned faults: kill -9 the victim, leave it down for the planned time, start it again and
 * wait (bounded) until it is back. The other components are left to cope on their own, as in
 * production; only the victim is brought back by the run, the way a kubelet or a database's supervisor would.
 */
import type { ChaosEnvironment } from './environment.ts';
import type { ChaosLoad } from './load.ts';
import type { FaultKind, PlannedFault, PlannedOutage } from './plan.ts';
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
  /** What a planned fault did meanwhile (the column whose type changed, the writes of an outage). */
  detail?: string;
}

export interface FaultTargets {
  environment: ChaosEnvironment;
  reader: Supervisor;
  sinks: Supervisor[];
  /** Writes what the planned faults need while their victims are down. */
  load: ChaosLoad;
}

/** The planned faults with a downtime of their own (plan.ts). */
export interface PlannedOutages {
  sinkOutages: readonly PlannedOutage[];
  typeChanges: readonly PlannedOutage[];
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
   * the broker is down); faults on the same victim wait for the previous one to end. A sinks outage is a fault
   * on every sink: it waits for their faults under way, and theirs wait for its end.
   */
  async run(
    faults: readonly PlannedFault[],
    outages: PlannedOutages,
    startedAt: number,
    signal: AbortSignal,
  ): Promise<void> {
    const sinkLanes = this.targets.sinks.map((_, index) => `sink-${index}`);
    const schedule = [
      ...faults.map((fault) => ({
        atMs: fault.atMs,
        lanes: [fault.kind === 'sink' ? `sink-${fault.sink % this.targets.sinks.length}` : fault.kind],
        inject: () => this.inject(fault),
      })),
      ...outages.sinkOutages.map((outage) => ({
        atMs: outage.atMs,
        lanes: sinkLanes,
        inject: () => this.sinksOutage(outage),
      })),
      ...outages.typeChanges.map((change) => ({
        atMs: change.atMs,
        lanes: ['reader'],
        inject: () => this.readerTypeChange(change),
      })),
    ].sort((a, b) => a.atMs - b.atMs);
    const lanes = new Map<string, Promise<void>>();
    for (const item of schedule) {
      const wait = startedAt + item.atMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (signal.aborted) break;
      const previous = Promise.all(item.lanes.map((lane) => lanes.get(lane)));
      const done = previous.then(() => (signal.aborted ? undefined : item.inject()));
      for (const lane of item.lanes) lanes.set(lane, done);
    }
    const outcomes = await Promise.allSettled(new Set(lanes.values()));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  }

  /** Marks a fault under way (for the overlap record) and logs it; the returned function records its end. */
  private begin(
    kind: FaultKind,
    victim: string,
    plan: { atMs: number; downMs: number },
    note = '',
  ): (recovered: { afterLargeTransaction?: boolean; detail?: string }) => void {
    const atSeconds = this.clock();
    const overlapping = [...this.inProgress];
    const self = `${kind}@${atSeconds.toFixed(1)}s`;
    this.inProgress.push(self);
    const started = performance.now();
    this.log(
      `fault ${++this.struck}: ${kind === 'sinks-outage' ? 'kill -9 every sink' : `kill -9 ${victim}`} at ${atSeconds.toFixed(1)} s, down ${plan.downMs} ms${note}` +
        (overlapping.length ? ` (while ${overlapping.join(', ')} under way)` : ''),
    );
    return ({ afterLargeTransaction = false, detail }) => {
      this.inProgress = this.inProgress.filter((other) => other !== self);
      const recoveredAfterMs = Math.round(performance.now() - started);
      this.log(`    ${victim} back after ${recoveredAfterMs} ms${detail ? `: ${detail}` : ''}`);
      this.injected.push({
        kind,
        victim,
        plannedAtSeconds: plan.atMs / 1000,
        atSeconds,
        downMs: plan.downMs,
        recoveredAfterMs,
        afterLargeTransaction,
        overlapping,
        detail,
      });
    };
  }

  /**
   * Every sink killed at once and kept down for the outage: meanwhile core deletes rows and updates rows with
   * large texts left unchanged (load.ts), and Kafka compacts the change topics (compaction.ts), so the sinks
   * come back to topics where delete events are gone (only their tombstones left) and TOAST-unchanged updates
   * have lost the versions before them.
   */
  private async sinksOutage(outage: PlannedOutage): Promise<void> {
    const { sinks, load } = this.targets;
    const end = this.begin('sinks-outage', `${sinks.length} sinks`, outage, ' (all sinks)');
    const started = performance.now();
    await Promise.all(sinks.map((sink) => sink.kill()));
    const detail = await load.outageWrites(outage.index);
    await sleep(Math.max(0, outage.downMs - (performance.now() - started)));
    await Promise.all(sinks.map((sink) => sink.start()));
    end({ detail });
  }

  /**
   * The reader killed, then in core: writes, `ALTER TABLE ... ALTER COLUMN ... TYPE` (a widening), writes with
   * values only the new type holds; then the reader is started again, behind the change: it must decode the
   * changes before the ALTER with the old type and those after with the new one. The raw column is widened
   * first, as an operator would before widening the source (otherwise the table pauses for that migration).
   */
  private async readerTypeChange(change: PlannedOutage): Promise<void> {
    const { reader, load, environment } = this.targets;
    await load.widenRawColumn(change.index, environment.analyticsUrl);
    const end = this.begin('reader-type-change', reader.name, change, ' (for a column type change)');
    const started = performance.now();
    await reader.kill();
    const detail = await load.changeColumnType(change.index);
    await sleep(Math.max(0, change.downMs - (performance.now() - started)));
    await reader.start();
    end({ detail });
  }

  async inject(fault: PlannedFault): Promise<void> {
    const { environment, reader, sinks } = this.targets;
    const sink = sinks[fault.sink % sinks.length] as Supervisor;
    const victim = {
      reader: reader.name,
      sink: sink.name,
      broker: 'kafka broker',
      'analytics-db': 'analytics postgres',
      'core-db': 'core postgres',
    }[fault.kind];
    const end = this.begin(
      fault.kind,
      victim,
      fault,
      fault.afterLargeTransaction ? ' (during a large transaction)' : '',
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
    end({ afterLargeTransaction: fault.afterLargeTransaction });
  }
}
