/**
 * Writes one consumed batch in one analytics transaction: every table's coalesced changes, then the next
 * offset of every partition in the cursor table. Either all of it commits or none of it does, so a crash at
 * any point leaves the rows and the cursor agreeing, and the batch is simply consumed again.
 *
 * A row the raw table rejects (a constraint or a value out of its column's range: SQLSTATE classes 23 and 22)
 * must not stop the partition: the merge runs under a savepoint, and when it fails for such a reason the rows
 * are split in halves until the rejected ones are alone. They are handed to `onRejected` (the dead-letter
 * topic) before the commit, so a crash in between replays the batch rather than losing them.
 */
import type pg from 'pg';
import { formatTimestampMicros } from '../../../lib/avro/index.ts';
import { classifyError, PipelineError } from '../../../lib/errors/index.ts';
import { formatLsn } from '../../../lib/postgres/index.ts';
import { unchanged } from '../values/pg-text.ts';
import { coalesce, type RowChange, type TableChange } from './coalesce.ts';
import { mergeStatement, type RawTableShape, snapshotEndStatement, truncateStatement } from './merge-sql.ts';

export interface TableBatch {
  shape: RawTableShape;
  /** `apply` marks older rows deleted; `record` leaves the rows (the truncate is only counted). */
  truncate: 'apply' | 'record';
  changes: readonly TableChange[];
}

export interface PartitionCursor {
  topic: string;
  partition: number;
  nextOffset: bigint;
  /**
   * The cursor the batch was read against (null: none stored). When given, the cursor moves only if it still
   * holds this value; otherwise an operator rewound it meanwhile and the whole batch rolls back (CURSOR_MOVED),
   * so a batch read before a rewind never overwrites it.
   */
  expected?: bigint | null;
}

export interface AppliedCounts {
  rows: number;
  truncates: number;
  /** Rows a snapshot end found gone from the source (marked deleted, or removed for hard deletes). */
  reconciled: number;
  rejected: number;
}

/** A row version the raw table refused, with PostgreSQL's reason (CONSTRAINT_VIOLATION). */
export interface RejectedRow {
  table: string;
  row: RowChange;
  error: PipelineError;
}

export interface ApplyOptions {
  /**
   * Called inside the transaction, just before COMMIT, with the rejected rows (possibly none): where they are
   * parked durably. Throwing rolls everything back, cursor included.
   */
  beforeCommit?: (rejected: readonly RejectedRow[]) => Promise<void>;
}

function rejection(table: string, error: unknown): PipelineError {
  const { code, constraint, column, message } = error as {
    code?: string;
    constraint?: string;
    column?: string;
    message?: string;
  };
  return new PipelineError(
    'CONSTRAINT_VIOLATION',
    `analytics_raw.${table} rejected the row (SQLSTATE ${code}${constraint ? `, constraint ${constraint}` : ''}${column ? `, column ${column}` : ''}): ${message ?? ''}`,
    { cause: error, details: { sqlState: code, constraint, column } },
  );
}

/** One merge under a savepoint; on a row-level rejection, halves until each rejected row is alone. */
async function mergeIsolating(
  client: pg.ClientBase,
  table: TableBatch,
  rows: readonly RowChange[],
  rejected: RejectedRow[],
): Promise<number> {
  await client.query('SAVEPOINT cdc_rows');
  try {
    await client.query(statementsOf(table.shape).merge, parameters(table.shape, rows));
    await client.query('RELEASE SAVEPOINT cdc_rows');
    return rows.length;
  } catch (error) {
    if (classifyError(error) !== 'dead-letter') throw error;
    await client.query('ROLLBACK TO SAVEPOINT cdc_rows');
    await client.query('RELEASE SAVEPOINT cdc_rows');
    if (rows.length === 1) {
      rejected.push({
        table: table.shape.table,
        row: rows[0] as RowChange,
        error: rejection(table.shape.table, error),
      });
      return 0;
    }
    const half = Math.ceil(rows.length / 2);
    return (
      (await mergeIsolating(client, table, rows.slice(0, half), rejected)) +
      (await mergeIsolating(client, table, rows.slice(half), rejected))
    );
  }
}

const statements = new WeakMap<
  RawTableShape,
  { merge: string; truncate: string; snapshotEnd: ReturnType<typeof snapshotEndStatement> }
>();

function statementsOf(shape: RawTableShape) {
  let built = statements.get(shape);
  if (!built) {
    built = {
      merge: mergeStatement(shape),
      truncate: truncateStatement(shape),
      snapshotEnd: snapshotEndStatement(shape),
    };
    statements.set(shape, built);
  }
  return built;
}

const timestamp = (micros: bigint) => formatTimestampMicros(micros, { utcOffset: true });

/** Column arrays then metadata arrays, as mergeStatement's parameters expect them. */
function parameters(shape: RawTableShape, rows: readonly RowChange[]): unknown[] {
  const columns = shape.columns.map((column) =>
    rows.map((row) => {
      const value = row.values[column.name];
      return value === undefined || value === unchanged ? null : value;
    }),
  );
  return [
    ...columns,
    rows.map((row) => formatLsn(row.commitLsn)),
    rows.map((row) => formatLsn(row.lsn)),
    rows.map((row) => timestamp(row.committedAtMicros)),
    rows.map((row) => row.op),
    rows.map((row) => String(row.partition)),
    rows.map((row) => String(row.offset)),
    rows.map((row) => {
      const indexes = shape.columns.flatMap((column, index) =>
        row.values[column.name] === unchanged ? [index] : [],
      );
      return indexes.length > 0 ? indexes.join(',') : null;
    }),
  ];
}

/** The newest source commit time among the batch's changes from the cursor's partition (text), or null. */
function newestCommit(tables: readonly TableBatch[], cursor: PartitionCursor): string | null {
  let newest: bigint | undefined;
  for (const table of tables) {
    for (const change of table.changes) {
      if (change.partition !== cursor.partition) continue;
      if (newest === undefined || change.committedAtMicros > newest) newest = change.committedAtMicros;
    }
  }
  return newest === undefined ? null : timestamp(newest);
}

export async function applyBatch(
  client: pg.ClientBase,
  consumerGroup: string,
  tables: readonly TableBatch[],
  cursors: readonly PartitionCursor[],
  options: ApplyOptions = {},
): Promise<AppliedCounts> {
  const counts: AppliedCounts = { rows: 0, truncates: 0, reconciled: 0, rejected: 0 };
  const rejected: RejectedRow[] = [];
  await client.query('BEGIN');
  try {
    for (const table of tables) {
      const sql = statementsOf(table.shape);
      for (const segment of coalesce(table.changes)) {
        if (segment.kind === 'rows') {
          counts.rows += await mergeIsolating(client, table, segment.rows, rejected);
          continue;
        }
        const { truncate } = segment;
        const lsns = [formatLsn(truncate.commitLsn), formatLsn(truncate.lsn)];
        const at = timestamp(truncate.committedAtMicros);
        if (truncate.op === 'snapshot-end') {
          // Not a truncate: the truncate policy does not apply, these rows are deletes nobody streamed.
          const { sql: statement, parameters } = sql.snapshotEnd;
          const values = [...lsns, truncate.partition, at, String(truncate.offset)].slice(0, parameters);
          counts.reconciled += (await client.query(statement, values)).rowCount ?? 0;
          continue;
        }
        counts.truncates++;
        const positional = [...lsns, at, truncate.partition, String(truncate.offset)];
        if (table.truncate === 'apply') await client.query(sql.truncate, positional);
      }
    }
    if (cursors.length > 0) {
      // An UPDATE that checks the expected cursor (waiting on, then re-checking, a row a rewind holds locked),
      // and an INSERT for partitions without a cursor yet; a partition neither wrote has been moved.
      const moved = await client.query<{ written: string }>(
        `WITH c AS (
           SELECT * FROM unnest($2::text[], $3::integer[], $4::bigint[], $5::timestamptz[], $6::boolean[], $7::bigint[])
             AS c(topic, partition, next_offset, committed_at, checked, expected)
         ), updated AS (
           UPDATE cdc.consumer_offsets o
              SET next_offset = c.next_offset, updated_at = now(),
                  source_committed_at = GREATEST(o.source_committed_at, c.committed_at)
             FROM c
            WHERE o.consumer_group = $1 AND o.topic = c.topic AND o.partition = c.partition
              AND (NOT c.checked OR o.next_offset = c.expected)
           RETURNING 1
         ), inserted AS (
           INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset, source_committed_at)
           SELECT $1, c.topic, c.partition, c.next_offset, c.committed_at FROM c
            WHERE (NOT c.checked OR c.expected IS NULL)
              AND NOT EXISTS (SELECT 1 FROM cdc.consumer_offsets o
                               WHERE o.consumer_group = $1 AND o.topic = c.topic AND o.partition = c.partition)
           ON CONFLICT (consumer_group, topic, partition) DO NOTHING
           RETURNING 1
         )
         SELECT ((SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted))::text AS written`,
        [
          consumerGroup,
          cursors.map((cursor) => cursor.topic),
          cursors.map((cursor) => cursor.partition),
          cursors.map((cursor) => String(cursor.nextOffset)),
          cursors.map((cursor) => newestCommit(tables, cursor)),
          cursors.map((cursor) => cursor.expected !== undefined),
          cursors.map((cursor) => (cursor.expected == null ? null : String(cursor.expected))),
        ],
      );
      if (Number(moved.rows[0]?.written) < cursors.length) {
        throw new PipelineError(
          'CURSOR_MOVED',
          'the cursor was moved (cdc rewind) while this batch was applied',
          {
            details: { partitions: cursors.map((cursor) => `${cursor.topic}/${cursor.partition}`) },
          },
        );
      }
    }
    if (rejected.length > 0 && !options.beforeCommit) throw (rejected[0] as RejectedRow).error;
    await options.beforeCommit?.(rejected);
    counts.rejected = rejected.length;
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
