/**
 * Moving the cursor for real, in one analytics transaction: lock the partitions' cursor rows (a sink
 * committing a slice there waits, or makes this wait: never both write), record what each held (`from`) and
 * set the new offset, write the audit rows (cdc.cursor_rewinds, cdc.operator_actions), and NOTIFY the
 * running sinks, which re-seek within a moment. A sink's slice that was in flight against the old cursor fails
 * its compare-and-set and rolls back (services/raw-sink), so nothing it read before the move lands after it.
 */
import type pg from 'pg';
import { cursorChannel } from '../../../lib/cursor/rewinds.ts';
import { recordOperatorAction } from '../operator-actions.ts';
import type { CursorMove } from './plan.ts';

export interface AppliedRewind {
  rewindId: number;
  moves: CursorMove[];
}

export async function applyRewind(
  client: pg.ClientBase,
  group: string,
  target: string,
  actor: string,
  planned: readonly CursorMove[],
): Promise<AppliedRewind> {
  await client.query('BEGIN');
  try {
    const topics = planned.map((move) => move.topic);
    const partitions = planned.map((move) => move.partition);
    const { rows } = await client.query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT o.topic, o.partition, o.next_offset::text FROM cdc.consumer_offsets o
         JOIN unnest($2::text[], $3::integer[]) AS m(topic, partition) USING (topic, partition)
        WHERE o.consumer_group = $1
        ORDER BY o.topic, o.partition
        FOR UPDATE OF o`,
      [group, topics, partitions],
    );
    const held = new Map(rows.map((row) => [`${row.topic}/${row.partition}`, Number(row.next_offset)]));
    const moves = planned.map((move) => ({
      ...move,
      from: held.get(`${move.topic}/${move.partition}`) ?? null,
    }));
    // A move forward skips records, a gap like compaction's; a move back re-reads from there, continuously
    // (unbroken_since: the sink trusts a raw row for unchanged TOAST only when it read on without a gap).
    await client.query(
      `INSERT INTO cdc.consumer_offsets AS o (consumer_group, topic, partition, next_offset, unbroken_since)
       SELECT $1, m.topic, m.partition, m.next_offset, m.next_offset
         FROM unnest($2::text[], $3::integer[], $4::bigint[]) AS m(topic, partition, next_offset)
       ON CONFLICT (consumer_group, topic, partition)
       DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now(),
         unbroken_since = CASE WHEN EXCLUDED.next_offset > o.next_offset THEN EXCLUDED.next_offset
                               ELSE LEAST(o.unbroken_since, EXCLUDED.next_offset) END`,
      [group, topics, partitions, moves.map((move) => String(move.to))],
    );
    const audit = moves.map(({ topic, partition, from, to }) => ({ topic, partition, from, to }));
    const { rows: inserted } = await client.query<{ id: string }>(
      `INSERT INTO cdc.cursor_rewinds (consumer_group, target, actor, moves)
       VALUES ($1, $2, $3, $4::jsonb) RETURNING id::text`,
      [group, target, actor, JSON.stringify(audit)],
    );
    const rewindId = Number(inserted[0]?.id);
    await recordOperatorAction(client, {
      action: 'rewind',
      actor,
      consumerGroup: group,
      topic: [...new Set(topics)].join(','),
      details: { rewindId, target, moves: audit },
    });
    await client.query('SELECT pg_notify($1, $2)', [cursorChannel, group]);
    await client.query('COMMIT');
    return { rewindId, moves };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
