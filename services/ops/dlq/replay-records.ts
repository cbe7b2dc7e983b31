/**
 * The record of replayed dead letters in the analytics database (cdc.dlq_replays), and the lock that keeps two
 * operators from replaying the same DLQ topic at once (each would see the other's letters as pending).
 */
import type pg from 'pg';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { DeadLetter } from './dead-letter.ts';

export interface ReplayRecord {
  dlqTopic: string;
  dlqOffset: number;
  originalTopic: string;
  originalPartition: number;
  originalOffset: number;
  replayedToOffset: number;
  actor: string;
  replayedAt: string;
}

const recordKey = (dlqTopic: string, dlqOffset: number) => `${dlqTopic}/${dlqOffset}`;

function missingTable(error: unknown): never {
  if ((error as { code?: unknown }).code === '42P01') {
    throw new PipelineError(
      'COMMAND_FAILED',
      'cdc.dlq_replays does not exist in the analytics database: run its migrations (npm run db:migrate)',
      { cause: error },
    );
  }
  throw error;
}

export async function loadReplays(
  client: pg.ClientBase,
  dlqTopics: readonly string[],
): Promise<Map<string, ReplayRecord>> {
  const { rows } = await client
    .query<ReplayRecord>(
      `SELECT dlq_topic AS "dlqTopic", dlq_offset::float8 AS "dlqOffset", original_topic AS "originalTopic",
              original_partition AS "originalPartition", original_offset::float8 AS "originalOffset",
              replayed_to_offset::float8 AS "replayedToOffset", actor,
              to_char(replayed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "replayedAt"
         FROM cdc.dlq_replays
        WHERE dlq_topic = ANY($1::text[])`,
      [dlqTopics],
    )
    .catch(missingTable);
  return new Map(rows.map((row) => [recordKey(row.dlqTopic, row.dlqOffset), row]));
}

/**
 * The replay of this letter, if any. A record whose original coordinates differ belongs to an earlier DLQ
 * topic of the same name (deleted and re-created, offsets from 0 again), so it does not count.
 */
export function replayOf(letter: DeadLetter, replays: Map<string, ReplayRecord>): ReplayRecord | undefined {
  const record = replays.get(recordKey(letter.dlqTopic, letter.dlqOffset));
  if (!record) return undefined;
  const same =
    record.originalTopic === letter.originalTopic &&
    record.originalPartition === letter.originalPartition &&
    record.originalOffset === letter.originalOffset;
  return same ? record : undefined;
}

/** Overwrites an earlier row: a forced replay, or a row of an earlier topic of the same name. */
export async function recordReplay(
  client: pg.ClientBase,
  record: Omit<ReplayRecord, 'replayedAt'>,
): Promise<void> {
  await client.query(
    `INSERT INTO cdc.dlq_replays
       (dlq_topic, dlq_offset, original_topic, original_partition, original_offset, replayed_to_offset, actor)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (dlq_topic, dlq_offset) DO UPDATE
       SET original_topic = EXCLUDED.original_topic, original_partition = EXCLUDED.original_partition,
           original_offset = EXCLUDED.original_offset, replayed_to_offset = EXCLUDED.replayed_to_offset,
           actor = EXCLUDED.actor, replayed_at = now()`,
    [
      record.dlqTopic,
      record.dlqOffset,
      record.originalTopic,
      record.originalPartition,
      record.originalOffset,
      record.replayedToOffset,
      record.actor,
    ],
  );
}

/**
 * Session advisory locks, one per DLQ topic, taken without waiting: a second operator is told at once that a
 * replay is running instead of replaying the same letters after it. Released by `unlockReplays` or when the
 * connection ends.
 */
export async function tryLockReplays(client: pg.ClientBase, dlqTopics: readonly string[]): Promise<string[]> {
  const busy: string[] = [];
  for (const topic of [...dlqTopics].sort()) {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(hashtextextended('cdc dlq replay ' || $1, 0)) AS locked`,
      [topic],
    );
    if (!rows[0]?.locked) busy.push(topic);
  }
  return busy;
}

export async function unlockReplays(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_unlock_all()');
}
