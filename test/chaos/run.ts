/**
 * One chaos run: own servers up, reader and sinks as real processes, the workload with its faults and steps on
 * the seeded timeline, then settle and compare. Whatever happens, every process and server it started is
 * stopped before it returns; on a failure, the servers' logs are kept under test/artifacts/chaos/.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { connectionEnv } from '../../scripts/stack/topology.ts';
import type { WorkloadReport } from '../../scripts/workload/index.ts';
import { stopAllServices } from '../support/service-process.ts';
import { diagnose, type KeyDiagnosis } from './diagnose.ts';
import { type Driven, drive } from './drive.ts';
import { ChaosEnvironment } from './environment.ts';
import { FaultInjector } from './faults.ts';
import { ChaosLoad } from './load.ts';
import type { ChaosOptions } from './options.ts';
import { planChaos } from './plan.ts';
import {
  artifactsDir,
  type ChaosReport,
  faultsPerKind,
  unexpectedSummary,
  workloadSummary,
  writeChaosReport,
} from './report.ts';
import { SnapshotRequests, type SnapshotStateRecord } from './snapshots.ts';
import { Supervisor, type UnexpectedExit } from './supervisor.ts';
import { compareCoreWithRaw, type TableComparison } from './verify.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function reproduceCommand(options: ChaosOptions): string {
  const base = options.size === 'long' ? '--long ' : '';
  return `npm run chaos -- ${base}--seed ${options.seed} --minutes ${options.minutes} --faults ${options.faults} --rate ${options.rate} --sinks ${options.sinks} --sink-outages ${options.sinkOutages} --outage-seconds ${options.sinkOutageMaxMs / 1000}`;
}

function keepLogs(environment: ChaosEnvironment, name: string): string {
  const folder = path.join(artifactsDir, name);
  mkdirSync(folder, { recursive: true });
  const files: [string, string][] = [
    [path.join(environment.core.directory, 'postgres.log'), 'core-postgres.log'],
    [path.join(environment.analytics.directory, 'postgres.log'), 'analytics-postgres.log'],
    [path.join(environment.broker.directory, 'broker.log'), 'broker.log'],
  ];
  for (const [from, to] of files) if (existsSync(from)) copyFileSync(from, path.join(folder, to));
  return folder;
}

export async function runChaos(options: ChaosOptions, log: (line: string) => void): Promise<ChaosReport> {
  const began = performance.now();
  const startedAt = new Date().toISOString();
  const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? (connectionEnv().SCHEMA_REGISTRY_URL as string);
  const durationMs = options.minutes * 60_000;
  const plan = planChaos({ ...options, durationMs });
  log(
    `seed ${options.seed}: ${plan.faults.length} faults, ${plan.sinkOutages.length} sinks outage(s), ${plan.typeChanges.length} type change(s), ${plan.largeTransactions.length} large transactions, ${plan.schemaChanges.length} schema changes, ${plan.truncates.length} truncates, ${plan.incrementalSnapshots.length} incremental snapshots over ${options.minutes} min`,
  );

  const environment = await ChaosEnvironment.create(
    { seed: options.seed, registryUrl, seedStatEvents: options.seedStatEvents },
    log,
  );
  let loadStartedAt = performance.now();
  const clock = () => (performance.now() - loadStartedAt) / 1000;
  const unexpected: UnexpectedExit[] = [];
  const reader = new Supervisor(
    'chaos-reader',
    'reader',
    () => environment.readerEnv(),
    clock,
    unexpected,
    log,
  );
  const sinks = Array.from(
    { length: options.sinks },
    (_, index) =>
      new Supervisor(`chaos-sink-${index + 1}`, 'sink', () => environment.sinkEnv(), clock, unexpected, log),
  );
  const load = new ChaosLoad(
    environment.coreOwnerUrl,
    { ...options, durationSeconds: durationMs / 1000 },
    clock,
    log,
  );
  const injector = new FaultInjector({ environment, reader, sinks, load }, clock, log);
  const snapshots = new SnapshotRequests(environment, clock, log);
  const stop = new AbortController();
  const driven: Driven = {};
  const comparisons: TableComparison[][] = [];
  let diagnosis: KeyDiagnosis[] = [];
  let snapshotStates: SnapshotStateRecord[] = [];
  let failure: string | undefined;
  try {
    loadStartedAt = performance.now();
    await drive(
      { options, plan, environment, reader, sinks, load, injector, snapshots, clock, log },
      loadStartedAt,
      stop.signal,
      driven,
    );
  } catch (error) {
    failure = (error as Error).stack ?? String(error);
    log(`run failed: ${(error as Error).message}`);
    for (const service of [reader, ...sinks]) log(service.tail(30));
    // Where the reader's acknowledgement stands: a slot that stopped advancing shows here.
    log(
      `reader metrics:\n${await reader.metricLines(/^cdc_reader_(durable|received|in_flight|streaming|table_paused)/)}`,
    );
  }
  try {
    // Compared even after a failed settle: the per-table differences say what was still missing.
    comparisons.push(await compareCoreWithRaw(environment.coreOwnerUrl, environment.analyticsUrl));
    if (!failure && comparisons[0]?.some((table) => !table.ok)) {
      log('core and analytics_raw differ; comparing again in 15 s, in case a stage still lagged');
      await sleep(15_000);
      comparisons.push(await compareCoreWithRaw(environment.coreOwnerUrl, environment.analyticsUrl));
    }
    const last = comparisons.at(-1) ?? [];
    if (last.some((table) => !table.ok))
      diagnosis = await diagnose(environment.coreOwnerUrl, environment.analyticsUrl, last);
    if ((failure || last.some((table) => !table.ok)) && snapshots.requests.length > 0)
      snapshotStates = await snapshots.history().catch(() => []);
  } catch (error) {
    failure ??= `comparison failed: ${(error as Error).message}`;
  }
  const ok =
    !failure &&
    (comparisons.at(-1)?.every((table) => table.ok) ?? false) &&
    !driven.settled?.cursorAhead.length &&
    Object.values(driven.settled?.deadLetters ?? {}).every((count) => count === 0);
  const report: ChaosReport = {
    ok,
    options,
    reproduce: reproduceCommand(options),
    startedAt,
    durationSeconds: 0,
    faultsPerKind: faultsPerKind(injector.injected),
    faults: injector.injected,
    steps: load.steps,
    incrementalSnapshots: snapshots.requests,
    snapshotStates,
    workload: workloadSummary(
      driven.workload ?? {
        seed: options.seed,
        stoppedBy: 'signal',
        transactions: 0,
        operations: 0,
        skippedOperations: 0,
        retries: 0,
        resyncs: 0,
        durationSeconds: 0,
        targetTxPerSecond: null,
        achievedTxPerSecond: 0,
        rowsWritten: 0,
        rowsPerSecond: 0,
        tables: {} as WorkloadReport['tables'],
      },
    ),
    unexpectedExits: unexpectedSummary(unexpected),
    serviceStarts: Object.fromEntries([reader, ...sinks].map((service) => [service.name, service.starts])),
    settle: driven.settled,
    compaction: driven.compaction,
    comparisons,
    diagnosis,
    failure,
    logs: { services: [reader, ...sinks].flatMap((service) => service.logFiles) },
  };
  stop.abort(new Error('chaos run over'));
  await Promise.all([reader, ...sinks].map((service) => service.close().catch(() => undefined)));
  await load.close();
  await stopAllServices();
  if (!ok)
    report.logs.kept = keepLogs(environment, `logs-${startedAt.replaceAll(':', '')}-seed${options.seed}`);
  await environment.destroy();
  report.durationSeconds = (performance.now() - began) / 1000;
  log(`report: ${writeChaosReport(report)}`);
  return report;
}
