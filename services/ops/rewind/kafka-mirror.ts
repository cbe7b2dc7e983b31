/**
 * After a rewind, Kafka's committed group offsets must agree with the cursor again (lag tools read them).
 * - No sink running (group Empty or unknown): the command sets them itself; Kafka only allows that then.
 * - Sinks running: they re-seek on the notification and commit the new position themselves; the command waits
 *   until Kafka's committed offset equals the stored cursor on every moved partition, which also proves the
 *   sinks picked the rewind up.
 */
import type { Admin } from 'kafkajs';
import type { Queryable } from '../../../lib/postgres/slots.ts';
import { type CursorMove, readStoredCursors } from './plan.ts';

export interface MirrorOutcome {
  /** `set`: written by this command (no sink running); `sinks`: the running sinks re-seeked and committed. */
  by: 'set' | 'sinks';
  /** Partitions still disagreeing when the wait ended (empty: consistent). */
  pending: { topic: string; partition: number; cursor: number | null; kafka: number | null }[];
  waitedMs: number;
}

async function groupIsIdle(admin: Admin, group: string): Promise<boolean> {
  const { groups } = await admin.describeGroups([group]);
  const state = groups[0]?.state;
  return state === undefined || state === 'Empty' || state === 'Dead';
}

async function disagreements(
  admin: Admin,
  analytics: Queryable,
  group: string,
  moves: readonly CursorMove[],
) {
  const topics = [...new Set(moves.map((move) => move.topic))];
  const committed = new Map<string, number>();
  for (const topic of await admin.fetchOffsets({ groupId: group, topics })) {
    for (const partition of topic.partitions) {
      if (Number(partition.offset) >= 0)
        committed.set(`${topic.topic}/${partition.partition}`, Number(partition.offset));
    }
  }
  const cursors = await readStoredCursors(analytics, group, topics);
  return moves.flatMap((move) => {
    const key = `${move.topic}/${move.partition}`;
    const cursor = cursors.get(key) ?? null;
    const kafka = committed.get(key) ?? null;
    return cursor === kafka ? [] : [{ topic: move.topic, partition: move.partition, cursor, kafka }];
  });
}

export async function mirrorToKafka(
  admin: Admin,
  analytics: Queryable,
  group: string,
  moves: readonly CursorMove[],
  waitMs: number,
): Promise<MirrorOutcome> {
  const started = Date.now();
  let by: MirrorOutcome['by'] = 'sinks';
  if (await groupIsIdle(admin, group)) {
    try {
      for (const topic of new Set(moves.map((move) => move.topic))) {
        await admin.setOffsets({
          groupId: group,
          topic,
          partitions: moves
            .filter((move) => move.topic === topic)
            .map((move) => ({ partition: move.partition, offset: String(move.to) })),
        });
      }
      by = 'set';
    } catch {
      // A sink joined in between (Kafka refuses offsets of an active group): it seeks to the stored cursor on
      // joining and commits it, so the wait below still ends consistent.
    }
  }
  let delayMs = 100;
  for (;;) {
    const pending = await disagreements(admin, analytics, group, moves);
    if (pending.length === 0 || Date.now() - started >= waitMs) {
      return { by, pending, waitedMs: Date.now() - started };
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 1_000);
  }
}
