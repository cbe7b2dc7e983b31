/**
 * Writes one consumed batch in one analytics transaction: every table's coalesced changes, then the next
 * offset of every partition in the cursor table. Either all of it commits or none of it does, so a crash at
 * any point leaves the rows and the cursor agreeing, and the batch is simply consumed again.
 */
import type pg from 'pg';
import { formatTimestampMicros } from '../../../lib/avro/index.ts';
import { formatLsn } from '../../../lib/postgres/index.ts';
import { unchanged } from '../values/pg-text.ts';
import { coalesce, type RowChange, type TableChange } from './coalesce.ts';
import { mergeStatement, type RawTableShape, truncateStatement } from './merge-sql.ts';

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
}

export interface AppliedCounts {
  rows: number;
  truncates: number;
}

const statements = new WeakMap<RawTableShape, { merge: string; truncate: string }>();

function statementsOf(shape: RawTableShape) {
  let built = statements.get(shape);
  if (!built) {
    built = { merge: mergeStatement(shape), truncate: truncateStatement(shape) };
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

export async function applyBatch(
  client: pg.ClientBase,
  consumerGroup: string,
  tables: readonly TableBatch[],
  cursors: readonly PartitionCursor[],
): Promise<AppliedCounts> {
  const counts: AppliedCounts = { rows: 0, truncates: 0 };
  await client.query('BEGIN');
  try {
    for (const table of tables) {
      const sql = statementsOf(table.shape);
      for (const segment of coalesce(table.changes)) {
        if (segment.kind === 'rows') {
          await client.query(sql.merge, parameters(table.shape, segment.rows));
          counts.rows += segment.rows.length;
          continue;
        }
        counts.truncates++;
        if (table.truncate === 'apply') {
          const { truncate } = segment;
          await client.query(sql.truncate, [
            formatLsn(truncate.commitLsn),
            formatLsn(truncate.lsn),
            timestamp(truncate.committedAtMicros),
            truncate.partition,
            String(truncate.offset),
          ]);
        }
      }
    }
    if (cursors.length > 0) {
      await client.query(
        `INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset)
         SELECT $1, c.topic, c.partition, c.next_offset
           FROM unnest($2::text[], $3::integer[], $4::bigint[]) AS c(topic, partition, next_offset)
         ON CONFLICT (consumer_group, topic, partition)
         DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
        [
          consumerGroup,
          cursors.map((cursor) => cursor.topic),
          cursors.map((cursor) => cursor.partition),
          cursors.map((cursor) => String(cursor.nextOffset)),
        ],
      );
    }
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
