/**
 * What a workload did, kept so a test (or the demo) can check the database afterwards: per table, the rows
 * written and the live row count the database must show once the run is over.
 */
import { type CoreTable, coreTables } from '../demo/domain/tables.ts';

/** How many recent keys per table the report keeps; enough for spot checks without growing with the run. */
const recentKeyLimit = 10;

type Change =
  | { table: CoreTable; kind: 'inserted' | 'updated' | 'deleted'; rows: number; keys: readonly string[] }
  | { table: CoreTable; kind: 'truncated' };

/** The changes of one transaction, in statement order; they count only once the transaction has committed. */
export class TxChanges {
  readonly changes: Change[] = [];
  operations = 0;
  skippedOperations = 0;

  record(
    table: CoreTable,
    kind: 'inserted' | 'updated' | 'deleted',
    rows: number,
    keys: readonly string[] = [],
  ): void {
    if (rows > 0) this.changes.push({ table, kind, rows, keys });
  }

  truncated(table: CoreTable): void {
    this.changes.push({ table, kind: 'truncated' });
  }
}

export interface TableReport {
  inserted: number;
  updated: number;
  deleted: number;
  truncates: number;
  /** Live rows the table must hold after the run, if nobody else wrote to it meanwhile. */
  expectedRows: number;
  /** Keys of the latest rows inserted or updated that the run did not delete afterwards (composite keys as `a:b`). */
  lastWrittenKeys: string[];
  /** Keys of the latest rows the run deleted. */
  lastDeletedKeys: string[];
}

export type StopReason = 'count' | 'duration' | 'signal';

export interface WorkloadReport {
  seed: number;
  stoppedBy: StopReason;
  transactions: number;
  operations: number;
  /** Operations that found no row to act on (for example a delete on an empty table). */
  skippedOperations: number;
  /** Transaction attempts repeated after a transient error. */
  retries: number;
  /** Times the expected counts were re-read from the database after a failed attempt. */
  resyncs: number;
  durationSeconds: number;
  targetTxPerSecond: number | null;
  achievedTxPerSecond: number;
  rowsWritten: number;
  rowsPerSecond: number;
  tables: Record<CoreTable, TableReport>;
}

function pushRecent(list: string[], key: string): void {
  const existing = list.indexOf(key);
  if (existing >= 0) list.splice(existing, 1);
  list.push(key);
  if (list.length > recentKeyLimit) list.shift();
}

export class WorkloadTally {
  readonly tables: Record<CoreTable, TableReport>;
  transactions = 0;
  operations = 0;
  skippedOperations = 0;
  rowsWritten = 0;
  retries = 0;
  resyncs = 0;

  constructor(liveRows: Record<CoreTable, number>) {
    const table = (live: number): TableReport => ({
      inserted: 0,
      updated: 0,
      deleted: 0,
      truncates: 0,
      expectedRows: live,
      lastWrittenKeys: [],
      lastDeletedKeys: [],
    });
    this.tables = Object.fromEntries(coreTables.map((name) => [name, table(liveRows[name])])) as Record<
      CoreTable,
      TableReport
    >;
  }

  /** Counts a committed transaction. */
  commit(tx: TxChanges): void {
    this.transactions += 1;
    this.operations += tx.operations;
    this.skippedOperations += tx.skippedOperations;
    for (const change of tx.changes) {
      const table = this.tables[change.table];
      if (change.kind === 'truncated') {
        table.truncates += 1;
        table.expectedRows = 0;
        table.lastWrittenKeys.length = 0;
        continue;
      }
      table[change.kind] += change.rows;
      this.rowsWritten += change.rows;
      if (change.kind === 'inserted') table.expectedRows += change.rows;
      if (change.kind === 'deleted') table.expectedRows -= change.rows;
      for (const key of change.keys) {
        if (change.kind === 'deleted') {
          const written = table.lastWrittenKeys.indexOf(key);
          if (written >= 0) table.lastWrittenKeys.splice(written, 1);
          pushRecent(table.lastDeletedKeys, key);
        } else {
          pushRecent(table.lastWrittenKeys, key);
        }
      }
    }
  }

  /** After an attempt whose outcome is unknown, the database's own counts become the new baseline. */
  resync(liveRows: Record<CoreTable, number>): void {
    this.resyncs += 1;
    for (const table of coreTables) this.tables[table].expectedRows = liveRows[table];
  }
}

export function formatReport(report: WorkloadReport): string {
  const lines = [
    `workload seed=${report.seed} stopped by ${report.stoppedBy} after ${report.durationSeconds.toFixed(2)} s`,
    `  ${report.transactions} transactions (${report.achievedTxPerSecond.toFixed(1)} tx/s` +
      `${report.targetTxPerSecond ? `, target ${report.targetTxPerSecond}` : ', unthrottled'}), ` +
      `${report.operations} operations (${report.skippedOperations} skipped), ` +
      `${report.rowsWritten} rows written (${report.rowsPerSecond.toFixed(1)} rows/s), ` +
      `${report.retries} retries, ${report.resyncs} resyncs`,
  ];
  for (const table of coreTables) {
    const t = report.tables[table];
    lines.push(
      `  ${table.padEnd(16)} +${t.inserted} ~${t.updated} -${t.deleted} truncates=${t.truncates} expected rows=${t.expectedRows}`,
    );
  }
  return lines.join('\n');
}
