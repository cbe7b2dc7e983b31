/**
 * Writes one consumed batch in one analytics transaction: every table's coalesced changes, then the next
 * offset of every partition in the cursor table. Either all of it commits or none of it does, so a crash at
 * any point leaves the rows and the cursor agreeing, and the batch is simply consumed again.
 *
 * A row the raw table rejects (a constraint or a value out of its column's range: SQLSTATE classes 23 and 22)
 * must not stop the partition: the merge runs under a savepoint, and when it fails for such a reason the rows
 * are split in halves until the rejected ones are alone. They are handed to `onRejected` (the dead-letter
 * topic) before the commit, so a crash in between replays the batch rather than losing them, and recorded as
 * unlanded (`cdc.unlanded_rows`) so that a snapshot end does not delete their rows. A unique violation on the
 * conflict key is not a bad row: another sink inserted the same key at the same moment (a topic whose partition
 * count was raised holds versions of one key in two partitions). The batch is retried (WRITE_CONFLICT,
 * retriable): the MERGE then finds the row and the newer version wins.
 *
 * The transaction fixes the session settings that PostgreSQL's text forms depend on (TimeZone, DateStyle,
 * IntervalStyle, extra_float_digits): the bookkeeping tables identify rows by their keys' text, which must not
 * depend on the role's or the server's defaults.
 */
import type pg from 'pg';
import { formatTimestampMicros } from '../../../lib/avro/index.ts';
import { classifyError, PipelineError } from '../../../lib/errors/index.ts';
import { formatLsn } from '../../../lib/postgres/index.ts';
import type { PgText } from '../values/pg-text.ts';
import { unchanged } from '../values/pg-text.ts';
import { coalesce, type RowChange, type TableChange, type TruncateChange } from './coalesce.ts';
import { deletedRowsStatement } from './deleted-rows-sql.ts';
import { resolveIncomplete, setAsideIncomplete } from './incomplete-rows.ts';
import { mergeStatement, type RawTableShape, truncateStatement } from './merge-sql.ts';
import { snapshotEndStatements } from './snapshot-end-sql.ts';
import { unlandedRowsStatement } from './unlanded-rows-sql.ts';

/** A change the sink did not land (dead-lettered, or skipped by the transform). */
export interface UnlandedChange {
  topic: string;
  partition: number;
  offset: bigint;
  /** The conflict columns' text; undefined when the change could not be tied to a row. */
  key: Readonly<Record<string, PgText>> | undefined;
  /** The change's source position, when it could be read. */
  position: { commitLsn: bigint; lsn: bigint } | undefined;
  /** `skipped` is recorded only when raw holds the row live (see unlanded-rows-sql.ts). */
  reason: 'dead-letter' | 'skipped';
}

export interface TableBatch {
  shape: RawTableShape;
  /** `apply` marks older rows deleted; `record` leaves the rows (the truncate is only counted). */
  truncate: 'apply' | 'record';
  changes: readonly TableChange[];
  /** Messages of this batch that land nothing (recorded before any of the batch's snapshot ends applies). */
  unlanded?: readonly UnlandedChange[];
  /** The topic the changes came from (recorded with the rows the raw table refuses). */
  topic?: string;
  /** The connector's name (recorded with the versions waiting for a repair); default the raw table's. */
  connector?: string;
  /**
   * Whether cdc.incomplete_rows may hold keys of this table: then each segment's keys are checked against it
   * after the MERGE (a repair that landed resolves them). Others resolve them later (the repair loop).
   */
  incompletePending?: boolean;
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
  /** The first offset since which the partition was read without a gap (stored with the cursor). */
  unbrokenSince?: bigint;
}

export interface AppliedCounts {
  rows: number;
  truncates: number;
  /** Rows a snapshot end found gone from the source (marked deleted, or removed for hard deletes). */
  reconciled: number;
  rejected: number;
  /** Snapshot ends not applied: their partition has dead letters no key ties to a row (see snapshot-end-sql.ts). */
  unappliedEnds: { table: string; partition: number; untied: number }[];
  /** Versions set aside for a repair from core (unchanged TOAST without a value to keep: incomplete-rows.ts). */
  incomplete: number;
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

/**
 * A unique violation on the conflict key: another transaction inserted the key first (two sinks holding
 * versions of one key, after the topic's partition count was raised). Not the row's fault: try the batch again.
 */
function isKeyRace(error: unknown, shape: RawTableShape): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint !== undefined && (shape.keyConstraints ?? []).includes(constraint);
}

/** One merge under a savepoint; on a row-level rejection, halves until each rejected row is alone. */
async function mergeIsolating(
  client: pg.ClientBase,
  table: TableBatch,
  rows: readonly RowChange[],
  rejected: RejectedRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const sql = statementsOf(table.shape);
  const values = parameters(table.shape, rows);
  await client.query('SAVEPOINT cdc_rows');
  try {
    await client.query(sql.merge, values);
    if (sql.deletedRows) await client.query(sql.deletedRows, values);
    await client.query('RELEASE SAVEPOINT cdc_rows');
    return rows.length;
  } catch (error) {
    if (isKeyRace(error, table.shape)) {
      throw new PipelineError(
        'WRITE_CONFLICT',
        `analytics_raw.${table.shape.table}: another sink inserted a key of this batch at the same time; retrying`,
        { cause: error, retriable: true, details: { table: table.shape.table } },
      );
    }
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

interface TableStatements {
  merge: string;
  deletedRows: string | undefined;
  truncate: string;
  snapshotEnd: ReturnType<typeof snapshotEndStatements>;
  unlanded: string;
}

const statements = new WeakMap<RawTableShape, TableStatements>();

function statementsOf(shape: RawTableShape): TableStatements {
  let built = statements.get(shape);
  if (!built) {
    built = {
      merge: mergeStatement(shape),
      deletedRows: deletedRowsStatement(shape),
      truncate: truncateStatement(shape),
      snapshotEnd: snapshotEndStatements(shape),
      unlanded: unlandedRowsStatement(shape),
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
    // The ledger of a hard-delete table is keyed by the raw table's name (merge-sql.ts).
    ...(shape.deletes === 'hard' ? [shape.table] : []),
  ];
}

/**
 * Records the unlanded changes (unlanded-rows-sql.ts). A key whose text the raw column type refuses (the very
 * reason a row may have been rejected) fails the set-based insert: then each is recorded alone, and one that
 * still fails is recorded untied (it then holds its partition's next snapshot end back: nothing is deleted on
 * a guess).
 */
async function recordUnlanded(
  client: pg.ClientBase,
  shape: RawTableShape,
  unlanded: readonly UnlandedChange[],
): Promise<void> {
  const sql = statementsOf(shape).unlanded;
  const values = (entries: readonly UnlandedChange[], untied = false) => [
    shape.table,
    entries[0]?.topic ?? '',
    entries.map((entry) => entry.partition),
    entries.map((entry) => String(entry.offset)),
    entries.map((entry) => (entry.position ? formatLsn(entry.position.commitLsn) : null)),
    entries.map((entry) => (entry.position ? formatLsn(entry.position.lsn) : null)),
    entries.map((entry) => entry.reason),
    entries.map((entry) => entry.reason === 'skipped'),
    ...shape.conflictColumns.map((column) =>
      entries.map((entry) => {
        const value = untied ? undefined : entry.key?.[column];
        return value === undefined || value === unchanged ? null : value;
      }),
    ),
  ];
  const attempt = async (entries: readonly UnlandedChange[], untied = false): Promise<boolean> => {
    await client.query('SAVEPOINT cdc_unlanded');
    try {
      await client.query(sql, values(entries, untied));
      await client.query('RELEASE SAVEPOINT cdc_unlanded');
      return true;
    } catch (error) {
      if (classifyError(error) !== 'dead-letter') throw error;
      await client.query('ROLLBACK TO SAVEPOINT cdc_unlanded');
      await client.query('RELEASE SAVEPOINT cdc_unlanded');
      return false;
    }
  };
  for (const topic of new Set(unlanded.map((entry) => entry.topic))) {
    const entries = unlanded.filter((entry) => entry.topic === topic);
    if (await attempt(entries)) continue;
    for (const entry of entries) if (!(await attempt([entry]))) await attempt([entry], true);
  }
}

/**
 * A snapshot end: applied unless its partition has dead letters no key ties to a row; then the unlanded
 * changes it considered are forgotten either way (they were older than it, or could not be tied).
 */
async function applySnapshotEnd(
  client: pg.ClientBase,
  shape: RawTableShape,
  end: TruncateChange,
  counts: AppliedCounts,
): Promise<void> {
  const sql = statementsOf(shape).snapshotEnd;
  const [commitLsn, lsn] = [formatLsn(end.commitLsn), formatLsn(end.lsn)];
  const untied =
    (await client.query<{ n: number }>(sql.untied, [shape.table, end.partition])).rows[0]?.n ?? 0;
  if (untied > 0) {
    counts.unappliedEnds.push({ table: shape.table, partition: end.partition, untied });
  } else {
    const at = timestamp(end.committedAtMicros);
    const values = [commitLsn, lsn, at, end.partition, shape.table, String(end.offset)];
    const applied = await client.query<{ n: number }>(sql.apply.sql, values.slice(0, sql.apply.parameters));
    counts.reconciled += applied.rows[0]?.n ?? 0;
  }
  await client.query(sql.forget, [shape.table, end.partition, commitLsn, lsn]);
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

/** One round trip: the transaction and the settings text forms depend on (module header). */
const beginWithFixedTextForms = [
  'BEGIN',
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 3',
].join('; ');

/** A row the raw table refused, as an unlanded change (its key and position are known). */
function unlandedRow(topic: string, row: RowChange): UnlandedChange {
  return {
    topic,
    partition: row.partition,
    offset: row.offset,
    key: row.values,
    position: { commitLsn: row.commitLsn, lsn: row.lsn },
    reason: 'dead-letter',
  };
}

export async function applyBatch(
  client: pg.ClientBase,
  consumerGroup: string,
  tables: readonly TableBatch[],
  cursors: readonly PartitionCursor[],
  options: ApplyOptions = {},
): Promise<AppliedCounts> {
  const counts: AppliedCounts = {
    rows: 0,
    truncates: 0,
    reconciled: 0,
    rejected: 0,
    unappliedEnds: [],
    incomplete: 0,
  };
  const rejected: RejectedRow[] = [];
  await client.query(beginWithFixedTextForms);
  try {
    for (const table of tables) {
      const sql = statementsOf(table.shape);
      if (table.unlanded?.length) await recordUnlanded(client, table.shape, table.unlanded);
      for (const segment of coalesce(table.changes)) {
        if (segment.kind === 'rows') {
          const before = rejected.length;
          const origin = { topic: table.topic ?? '', connector: table.connector ?? table.shape.table };
          const { merge, incomplete } = await setAsideIncomplete(client, table.shape, segment.rows, origin);
          counts.incomplete += incomplete.length;
          counts.rows += await mergeIsolating(client, table, merge, rejected);
          if (table.incompletePending || incomplete.length > 0) {
            await resolveIncomplete(client, table.shape, merge);
          }
          // Before any later snapshot end of the batch, which must spare them.
          const refused = rejected.slice(before).map(({ row }) => unlandedRow(table.topic ?? '', row));
          if (refused.length > 0) await recordUnlanded(client, table.shape, refused);
          continue;
        }
        const { truncate } = segment;
        if (truncate.op === 'snapshot-end') {
          // Not a truncate: the truncate policy does not apply, these rows are deletes nobody streamed.
          await applySnapshotEnd(client, table.shape, truncate, counts);
          continue;
        }
        const lsns = [formatLsn(truncate.commitLsn), formatLsn(truncate.lsn)];
        const at = timestamp(truncate.committedAtMicros);
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
           SELECT * FROM unnest($2::text[], $3::integer[], $4::bigint[], $5::timestamptz[], $6::boolean[], $7::bigint[],
                                $8::bigint[])
             AS c(topic, partition, next_offset, committed_at, checked, expected, unbroken_since)
         ), updated AS (
           UPDATE cdc.consumer_offsets o
              SET next_offset = c.next_offset, updated_at = now(),
                  source_committed_at = GREATEST(o.source_committed_at, c.committed_at),
                  unbroken_since = coalesce(c.unbroken_since, o.unbroken_since)
             FROM c
            WHERE o.consumer_group = $1 AND o.topic = c.topic AND o.partition = c.partition
              AND (NOT c.checked OR o.next_offset = c.expected)
           RETURNING 1
         ), inserted AS (
           INSERT INTO cdc.consumer_offsets
             (consumer_group, topic, partition, next_offset, source_committed_at, unbroken_since)
           SELECT $1, c.topic, c.partition, c.next_offset, c.committed_at, coalesce(c.unbroken_since, 0) FROM c
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
          cursors.map((cursor) => (cursor.unbrokenSince === undefined ? null : String(cursor.unbrokenSince))),
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
