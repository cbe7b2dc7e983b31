/**
 * What a chaos run did and found: the faults it injected (per kind, and each with its moment), what the workload
 * wrote, what was compared per table, how long the pipeline took to settle. Printed, and written as JSON under
 * test/artifacts/chaos/ (ignored by git).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../scripts/stack/topology.ts';
import type { WorkloadReport } from '../../scripts/workload/index.ts';
import type { CompactionReport } from './compaction.ts';
import { describeDiagnosis, type KeyDiagnosis } from './diagnose.ts';
import type { InjectedFault } from './faults.ts';
import type { StepRecord } from './load.ts';
import type { ChaosOptions } from './options.ts';
import { allFaultKinds, type FaultKind } from './plan.ts';
import type { SettleResult } from './settle.ts';
import type { SnapshotRequest, SnapshotStateRecord } from './snapshots.ts';
import type { UnexpectedExit } from './supervisor.ts';
import { describeComparison, type TableComparison } from './verify.ts';

export const artifactsDir = path.join(repoRoot, 'test', 'artifacts', 'chaos');

export interface ChaosReport {
  ok: boolean;
  options: ChaosOptions;
  reproduce: string;
  startedAt: string;
  durationSeconds: number;
  faultsPerKind: Record<FaultKind, number>;
  faults: InjectedFault[];
  steps: StepRecord[];
  incrementalSnapshots: SnapshotRequest[];
  /** After a failure: the reader's snapshot states (state topic), to see what a restarted reader resumed. */
  snapshotStates: SnapshotStateRecord[];
  workload: Omit<WorkloadReport, 'tables'> & {
    tables: Record<string, { inserted: number; updated: number; deleted: number; truncates: number }>;
  };
  unexpectedExits: { service: string; atSeconds: number; code: number | null; signal: string | null }[];
  serviceStarts: Record<string, number>;
  settle?: SettleResult;
  /** What Kafka compacted away from the change topics by the end (delete events above all). */
  compaction?: CompactionReport;
  /** The comparison right after settling; when it differed, a second one 15 s later (a lagging stage). */
  comparisons: TableComparison[][];
  /** For the first differing keys: which columns differ, and the raw row's bookkeeping. */
  diagnosis: KeyDiagnosis[];
  failure?: string;
  logs: { services: string[]; kept?: string };
}

export function faultsPerKind(faults: readonly InjectedFault[]): Record<FaultKind, number> {
  const counts = Object.fromEntries(allFaultKinds.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  for (const fault of faults) counts[fault.kind]++;
  return counts;
}

export function workloadSummary(report: WorkloadReport): ChaosReport['workload'] {
  const tables = Object.fromEntries(
    Object.entries(report.tables).map(([table, t]) => [
      table,
      { inserted: t.inserted, updated: t.updated, deleted: t.deleted, truncates: t.truncates },
    ]),
  );
  return { ...report, tables };
}

export function unexpectedSummary(exits: readonly UnexpectedExit[]): ChaosReport['unexpectedExits'] {
  return exits.map(({ service, atSeconds, code, signal }) => ({ service, atSeconds, code, signal }));
}

export function formatChaosReport(report: ChaosReport): string {
  const lines = [
    `chaos run (${report.options.size}, seed ${report.options.seed}): ${report.ok ? 'PASSED' : 'FAILED'} in ${report.durationSeconds.toFixed(0)} s`,
    `  faults injected: ${report.faults.length} (${allFaultKinds.map((kind) => `${kind} ${report.faultsPerKind[kind]}`).join(', ')})`,
  ];
  for (const fault of [...report.faults].sort((a, b) => a.atSeconds - b.atSeconds))
    lines.push(
      `    ${fault.atSeconds.toFixed(1).padStart(6)} s  ${fault.kind.padEnd(12)} ${fault.victim.padEnd(18)} down ${fault.downMs} ms, back after ${fault.recoveredAfterMs} ms${fault.afterLargeTransaction ? ' (large transaction in flight)' : ''}${fault.overlapping.length ? ` (overlapping ${fault.overlapping.join(', ')})` : ''}${fault.detail ? `\n              ${fault.detail}` : ''}`,
    );
  const w = report.workload;
  lines.push(
    `  workload: ${w.transactions} transactions, ${w.operations} operations, ${w.rowsWritten} rows, ${w.retries} retries, ${w.resyncs} resyncs`,
  );
  for (const [table, t] of Object.entries(w.tables))
    lines.push(`    ${table.padEnd(16)} +${t.inserted} ~${t.updated} -${t.deleted} truncates ${t.truncates}`);
  for (const step of report.steps)
    lines.push(
      `  ${step.atSeconds.toFixed(1).padStart(6)} s  ${step.kind}: ${step.detail} (${step.attempts} attempt(s))`,
    );
  for (const request of report.incrementalSnapshots)
    lines.push(
      `  ${request.atSeconds.toFixed(1).padStart(6)} s  incremental snapshot of ${request.table}: ${request.status ?? 'requested'} (${request.rows ?? 0} rows, ${request.chunks ?? 0} chunks)`,
    );
  if (report.unexpectedExits.length > 0)
    lines.push(
      `  services that exited by themselves: ${report.unexpectedExits.map((e) => `${e.service} at ${e.atSeconds.toFixed(1)} s (code ${e.code})`).join(', ')}`,
    );
  if (report.settle)
    lines.push(
      `  settled: reader confirmed ${report.settle.targetLsn} after ${report.settle.readerMs} ms, sinks caught up after ${report.settle.sinkMs} ms` +
        (report.settle.cursorAhead.length
          ? `; CURSOR PAST THE END: ${report.settle.cursorAhead.join(', ')}`
          : ''),
    );
  const compaction = report.compaction;
  if (compaction) {
    lines.push(
      compaction.deletesCompactedAway > 0
        ? `  compaction: ${compaction.deletesCompactedAway} delete events compacted away (only their tombstones left)`
        : '  compaction: NO delete event was compacted away in this run (the tombstone path was not exercised)',
    );
    lines.push(
      `    repair requests from the sinks (unchanged TOAST they could not fill): ${compaction.repairRequests}`,
    );
    if (compaction.cleanerBackoffMs === null) lines.push('    (the broker kept its 15 s cleaner backoff)');
    for (const topic of compaction.topics)
      lines.push(
        `    ${topic.topic}: ${topic.records} records of ${topic.offsets} offsets, ${topic.deleteEvents} delete events, ${topic.tombstones} tombstones, ${topic.deletesCompactedAway} deletes compacted away`,
      );
  }
  const last = report.comparisons.at(-1) ?? [];
  if (last.length > 0) lines.push('  compared (core vs analytics_raw, live rows):');
  for (const table of last) lines.push(`    ${describeComparison(table).replaceAll('\n', '\n    ')}`);
  for (const state of report.snapshotStates)
    lines.push(
      `  snapshot state ${state.updatedAt} ${state.id}: ${state.status}, chunk ${state.chunks}, ${state.rows} rows, last key ${state.lastKey?.join(':') ?? '-'}, reconcile below ${state.reconcileBelow ?? '-'}`,
    );
  if (report.diagnosis.length > 0) lines.push('  differing keys:');
  for (const diagnosis of report.diagnosis) lines.push(`    ${describeDiagnosis(diagnosis)}`);
  if (report.failure) lines.push(`  failure: ${report.failure}`);
  lines.push(`  reproduce: ${report.reproduce}`);
  return lines.join('\n');
}

/** Writes the report as JSON; returns its path. */
export function writeChaosReport(report: ChaosReport): string {
  mkdirSync(artifactsDir, { recursive: true });
  const stamp = report.startedAt.replaceAll(':', '').replace(/\..*$/, '');
  const file = path.join(
    artifactsDir,
    `chaos-${report.options.size}-${stamp}-seed${report.options.seed}.json`,
  );
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
