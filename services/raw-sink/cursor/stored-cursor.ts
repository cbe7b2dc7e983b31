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
