/**
 * What the analytics database says about the sinks and the marts: the cursor (next offset per consumer group
 * and partition, the truth the sinks seek to), paused tables, replayed dead letters, marts builds.
 */
import type { Queryable } from '../../../lib/postgres/slots.ts';
import type { MartsState, PausedTableState } from './state.ts';

export async function readCursors(
  client: Queryable,
  groupIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await client.query<{
    consumer_group: string;
    topic: string;
    partition: number;
    next_offset: string;
  }>(
    `SELECT consumer_group, topic, partition, next_offset::text FROM cdc.consumer_offsets
      WHERE consumer_group = ANY($1::text[])`,
    [groupIds],
  );
  return new Map(
    rows.map((row) => [cursorKey(row.consumer_group, row.topic, row.partition), Number(row.next_offset)]),
  );
}

/** The topic of a `cursorKey`. */
export const topicOfCursorKey = (key: string) => key.slice(key.indexOf('\u0000') + 1, key.lastIndexOf('/'));

export const cursorKey = (group: string, topic: string, partition: number) =>
  `${group}\u0000${topic}/${partition}`;

export async function readPausedTables(client: Queryable): Promise<PausedTableState[]> {
  const { rows } = await client.query<{
    topic: string;
    raw_table: string;
    reason: string | null;
    since: Date;
  }>(
    `SELECT topic, raw_table, reason, updated_at AS since FROM cdc.table_state
      WHERE status = 'paused' ORDER BY topic`,
  );
  return rows.map((row) => ({
    topic: row.topic,
    rawTable: row.raw_table,
    reason: row.reason ?? 'paused by an operator',
    since: row.since.toISOString(),
  }));
}

/** Dead letters replayed per DLQ topic, counted from a DLQ offset on (older ones were deleted by retention). */
export async function readReplayedCounts(
  client: Queryable,
  fromOffsets: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  if (fromOffsets.size === 0) return new Map();
  const { rows } = await client.query<{ dlq_topic: string; replayed: string }>(
    `SELECT r.dlq_topic, count(*)::text AS replayed
       FROM cdc.dlq_replays r
       JOIN unnest($1::text[], $2::bigint[]) AS f(topic, low) ON f.topic = r.dlq_topic
      WHERE r.dlq_offset >= f.low
      GROUP BY r.dlq_topic`,
    [[...fromOffsets.keys()], [...fromOffsets.values()]],
  );
  return new Map(rows.map((row) => [row.dlq_topic, Number(row.replayed)]));
}

export async function readMartsState(client: Queryable, now: Date): Promise<MartsState> {
  const { rows } = await client.query<{
    last_success_at: Date | null;
    watermark: Date | null;
    consecutive_failures: string;
    status: string | null;
    started_at: Date | null;
    finished_at: Date | null;
    error: string | null;
  }>(
    `WITH last_success AS (
       SELECT finished_at, watermark, id FROM cdc.marts_runs
        WHERE status = 'success' ORDER BY id DESC LIMIT 1
     ), last_run AS (
       SELECT status, started_at, finished_at, error FROM cdc.marts_runs
        WHERE status <> 'skipped' ORDER BY id DESC LIMIT 1
     )
     SELECT s.finished_at AS last_success_at, s.watermark,
            (SELECT count(*) FROM cdc.marts_runs f
              WHERE f.status = 'failed' AND f.id > coalesce((SELECT id FROM last_success), 0))::text
              AS consecutive_failures,
            r.status, r.started_at, r.finished_at, r.error
       FROM (SELECT 1) one LEFT JOIN last_success s ON true LEFT JOIN last_run r ON true`,
  );
  const row = rows[0];
  const watermark = row?.watermark ?? null;
  return {
    lastSuccessAt: row?.last_success_at?.toISOString() ?? null,
    watermark: watermark?.toISOString() ?? null,
    freshnessSeconds: watermark ? Math.max(0, (now.getTime() - watermark.getTime()) / 1000) : null,
    lastRun:
      row?.status && row.started_at
        ? {
            status: row.status,
            startedAt: row.started_at.toISOString(),
            finishedAt: row.finished_at?.toISOString() ?? null,
            error: row.error,
          }
        : null,
    consecutiveFailures: Number(row?.consecutive_failures ?? 0),
  };
}
