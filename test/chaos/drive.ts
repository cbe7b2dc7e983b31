/**
 * The active part of a chaos run, from the first start of the services to the settled pipeline: the workload
 * begins first, so the reader's first start (killed after creating its slot, then during its copy) runs under
 * load; then the sinks and fast compaction of the change topics; then the faults, sinks outages, type changes,
 * large transactions, schema changes, truncates and snapshot requests on the seeded timeline; then the settle
 * and the count of what compaction removed.
 */
import type { WorkloadReport } from '../../scripts/workload/index.ts';
import { type CompactionReport, compactChangeTopics, countCompaction } from './compaction.ts';
import type { ChaosEnvironment } from './environment.ts';
import type { FaultInjector } from './faults.ts';
import { startReaderWithSlotKill, startReaderWithSnapshotKill } from './initial-snapshot.ts';
import type { ChaosLoad } from './load.ts';
import type { ChaosOptions } from './options.ts';
import type { ChaosPlan, PlannedStep } from './plan.ts';
import { type SettleResult, settle } from './settle.ts';
import type { SnapshotRequests } from './snapshots.ts';
import type { Supervisor } from './supervisor.ts';

export interface ChaosParts {
  options: ChaosOptions;
  plan: ChaosPlan;
  environment: ChaosEnvironment;
  reader: Supervisor;
  sinks: Supervisor[];
  load: ChaosLoad;
  injector: FaultInjector;
  snapshots: SnapshotRequests;
  clock: () => number;
  log: (line: string) => void;
}

/** Filled as the run goes, so that a failed settle still reports what the workload did. */
export interface Driven {
  workload?: WorkloadReport;
  settled?: SettleResult;
  compaction?: CompactionReport;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the steps at their planned moments (one at a time: they share nothing but core). */
async function runSteps(
  steps: { at: PlannedStep; run: () => Promise<void> }[],
  startedAt: number,
  signal: AbortSignal,
): Promise<void> {
  for (const step of [...steps].sort((a, b) => a.at.atMs - b.at.atMs)) {
    const wait = startedAt + step.at.atMs - performance.now();
    if (wait > 0) await sleep(wait);
    if (signal.aborted) return;
    await step.run();
  }
}

/** `startedAt` is when the workload starts (performance.now()); `stop` ends everything early on a failure. */
export async function drive(
  parts: ChaosParts,
  startedAt: number,
  stop: AbortSignal,
  driven: Driven,
): Promise<void> {
  const { options, plan, environment, reader, sinks, load, injector, snapshots, clock, log } = parts;
  load.start(stop);
  const slotKill = await startReaderWithSlotKill(
    reader,
    environment.coreOwnerUrl,
    environment.slot,
    clock,
    log,
  );
  const kill = await startReaderWithSnapshotKill(
    reader,
    plan.initialSnapshotKillMs,
    clock,
    log,
    slotKill.ready,
  );
  if (slotKill.kill)
    injector.injected.push({
      kind: 'reader-slot-created',
      victim: `${reader.name} (first start)`,
      plannedAtSeconds: slotKill.kill.atSeconds,
      atSeconds: slotKill.kill.atSeconds,
      downMs: 0,
      // Until the restarted reader was copying again (and was killed for the next fault).
      recoveredAfterMs: kill ? Math.round((kill.atSeconds - slotKill.kill.atSeconds) * 1000) : 0,
      afterLargeTransaction: false,
      overlapping: [],
      detail: `killed ${slotKill.kill.slotSeenForMs} ms after the slot showed; the next start found: ${kill?.stateFoundAtStart ?? 'not seen'}`,
    });
  if (kill)
    injector.injected.push({
      kind: 'reader',
      victim: `${reader.name} (initial snapshot${kill.copyFinishedFirst ? ' already over' : `, ${kill.tablesCopiedBeforeKill} of 6 tables copied`})`,
      plannedAtSeconds: kill.atSeconds,
      atSeconds: kill.atSeconds,
      downMs: 0,
      recoveredAfterMs: kill.recoveredAfterMs,
      afterLargeTransaction: false,
      overlapping: [],
    });
  await Promise.all(sinks.map((sink) => sink.start()));
  const configured = await compactChangeTopics(environment, log);
  log(
    `reader and ${sinks.length} sink(s) ready at ${clock().toFixed(1)} s; workload for ${options.minutes} min`,
  );

  const steps = [
    ...plan.largeTransactions.map((at) => ({ at, run: () => load.largeTransaction(at.index) })),
    ...plan.schemaChanges.map((at) => ({ at, run: () => load.schemaChange(at.index) })),
    ...plan.truncates.map((at) => ({ at, run: () => load.truncate(at.index) })),
    ...plan.incrementalSnapshots.map((at) => ({ at, run: () => snapshots.request(at.index) })),
  ];
  // If one part fails, the others stop at their next step instead of running on for minutes.
  const own = new AbortController();
  stop.addEventListener('abort', () => own.abort(stop.reason), { once: true });
  const guard = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      own.abort(error);
      throw error;
    });
  // allSettled: a fault in progress (a server down) ends with its restart before the run moves on.
  const [ran, ...others] = await Promise.allSettled([
    guard(load.finish()),
    guard(injector.run(plan.faults, plan, startedAt, own.signal)),
    guard(runSteps(steps, startedAt, own.signal)),
  ]);
  for (const outcome of [ran, ...others]) if (outcome.status === 'rejected') throw outcome.reason;
  const workload = (ran as PromiseFulfilledResult<WorkloadReport>).value;
  driven.workload = workload;
  log(`workload done at ${clock().toFixed(1)} s: ${workload.transactions} transactions; settling`);
  for (const service of [reader, ...sinks]) await service.waitReady(120_000);
  await snapshots.waitDone(options.settleTimeoutMs);
  const settled = await settle(environment, options.settleTimeoutMs);
  driven.settled = settled;
  log(`settled: reader ${settled.readerMs} ms, sinks ${settled.sinkMs} ms`);
  const counted = await countCompaction(environment);
  const deletesCompactedAway = counted.topics.reduce((sum, topic) => sum + topic.deletesCompactedAway, 0);
  driven.compaction = { ...configured, ...counted, deletesCompactedAway };
  log(
    `compaction: ${deletesCompactedAway} delete events compacted away (their tombstones left); ${counted.repairRequests} repair requests from the sinks`,
  );
}
