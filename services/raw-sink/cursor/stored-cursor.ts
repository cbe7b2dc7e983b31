/**
 * The sink's cursor as stored in cdc.consumer_offsets: the next offset to apply per partition. Absent means
 * nothing was applied yet (the partition starts from its first retained offset).
 */
import type pg from 'pg';

export async function readCursor(
  pool: Pick<pg.Pool, 'query'>,
  group: string,
  topic: string,
  partitions: readonly number[],
): Promise<Map<number, bigint>> {
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    `SELECT partition, next_offset::text FROM cdc.consumer_offsets
      WHERE consumer_group = $1 AND topic = $2 AND partition = ANY($3::integer[])`,
    [group, topic, partitions],
  );
  return new Map(rows.map((row) => [row.partition, BigInt(row.next_offset)]));
}

export interface CursorPosition {
  next: bigint;
  /** The first offset since which the partition was read without a gap (see cdc.consumer_offsets). */
  unbrokenSince: bigint;
}

/** One partition's cursor and how far back the reading behind it is unbroken; undefined when none is stored. */
export async function readCursorPosition(
  pool: Pick<pg.Pool, 'query'>,
  group: string,
  topic: string,
  partition: number,
): Promise<CursorPosition | undefined> {
  const { rows } = await pool.query<{ next_offset: string; unbroken_since: string }>(
    `SELECT next_offset::text, unbroken_since::text FROM cdc.consumer_offsets
      WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
    [group, topic, partition],
  );
  const row = rows[0];
  return row && { next: BigInt(row.next_offset), unbrokenSince: BigInt(row.unbroken_since) };
}
