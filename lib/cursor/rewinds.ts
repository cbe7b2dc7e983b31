/**
 * The contract between `cdc rewind` and the running sinks: a rewind is a row in cdc.cursor_rewinds (written
 * with the new cursor, in the same transaction) announced on the `cdc_cursor` channel with the consumer group
 * as payload. Sinks LISTEN, and also poll the table, so a notification lost with a dropped connection only
 * delays the re-seek.
 */
import type pg from 'pg';

export const cursorChannel = 'cdc_cursor';

export interface RewoundPartition {
  topic: string;
  partition: number;
}

export interface RewindNotice {
  id: number;
  partitions: RewoundPartition[];
}

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function latestRewindId(client: Queryable, group: string): Promise<number> {
  const { rows } = await client.query<{ id: string | null }>(
    'SELECT max(id)::text AS id FROM cdc.cursor_rewinds WHERE consumer_group = $1',
    [group],
  );
  return Number(rows[0]?.id ?? 0);
}

export async function rewindsAfter(
  client: Queryable,
  group: string,
  afterId: number,
): Promise<RewindNotice[]> {
  const { rows } = await client.query<{ id: string; moves: { topic: string; partition: number }[] }>(
    `SELECT id::text, moves FROM cdc.cursor_rewinds WHERE consumer_group = $1 AND id > $2 ORDER BY id`,
    [group, afterId],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    partitions: row.moves.map((move) => ({ topic: move.topic, partition: move.partition })),
  }));
}
