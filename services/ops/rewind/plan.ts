/**
 * What a rewind would move: for each selected partition, its cursor now and the offset it would get. The same
 * plan is printed by `--dry-run` and executed by the real run (which re-reads `from` under a lock, since the
 * sinks move on meanwhile; `to` does not depend on it).
 */
import type { Admin } from 'kafkajs';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { Queryable } from '../../../lib/postgres/slots.ts';
import type { RewindTarget } from './target.ts';

export interface PartitionSelection {
  topic: string;
  /** Undefined: every partition of the topic. */
  partitions: readonly number[] | undefined;
}

export interface CursorMove {
  topic: string;
  partition: number;
  /** The sink's cursor (next offset to apply); null when nothing was applied yet. */
  from: number | null;
  to: number;
  /** The partition's first retained offset and end, for the operator's eyes. */
  low: number;
  high: number;
}

export async function readStoredCursors(
  client: Queryable,
  group: string,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await client.query<{ topic: string; partition: number; next_offset: string }>(
    `SELECT topic, partition, next_offset::text FROM cdc.consumer_offsets
      WHERE consumer_group = $1 AND topic = ANY($2::text[])`,
    [group, topics],
  );
  return new Map(rows.map((row) => [`${row.topic}/${row.partition}`, Number(row.next_offset)]));
}

async function targetOffsets(
  admin: Admin,
  topic: string,
  target: RewindTarget,
  bounds: readonly { partition: number; low: number; high: number }[],
): Promise<Map<number, number>> {
  if (target.kind === 'time') {
    // Kafka answers with the first offset whose timestamp is at or after the time (the end when none is).
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, target.at.getTime());
    return new Map(found.map((entry) => [entry.partition, Number(entry.offset)]));
  }
  return new Map(
    bounds.map((bound) => [
      bound.partition,
      target.kind === 'earliest' ? bound.low : target.kind === 'latest' ? bound.high : target.offset,
    ]),
  );
}

export async function planRewind(
  admin: Admin,
  analytics: Queryable,
  group: string,
  selections: readonly PartitionSelection[],
  target: RewindTarget,
): Promise<CursorMove[]> {
  const cursors = await readStoredCursors(
    analytics,
    group,
    selections.map((selection) => selection.topic),
  );
  const moves: CursorMove[] = [];
  for (const selection of selections) {
    const bounds = (await admin.fetchTopicOffsets(selection.topic))
      .map((bound) => ({ partition: bound.partition, low: Number(bound.low), high: Number(bound.high) }))
      .sort((a, b) => a.partition - b.partition);
    const unknown = (selection.partitions ?? []).filter(
      (partition) => !bounds.some((bound) => bound.partition === partition),
    );
    if (unknown.length > 0) {
      throw new PipelineError(
        'INVALID_ARGUMENT',
        `rewind: ${selection.topic} has no partition ${unknown.join(', ')} (it has 0 to ${bounds.length - 1})`,
      );
    }
    const chosen = bounds.filter(
      (bound) => !selection.partitions || selection.partitions.includes(bound.partition),
    );
    const offsets = await targetOffsets(admin, selection.topic, target, chosen);
    for (const bound of chosen) {
      const to = offsets.get(bound.partition) ?? bound.high;
      if (target.kind === 'offset' && (to < bound.low || to > bound.high)) {
        throw new PipelineError(
          'INVALID_ARGUMENT',
          `rewind: offset ${to} is outside ${selection.topic}/${bound.partition}, which holds ${bound.low} to ${bound.high} (end)`,
        );
      }
      moves.push({
        topic: selection.topic,
        partition: bound.partition,
        from: cursors.get(`${selection.topic}/${bound.partition}`) ?? null,
        to: Math.min(Math.max(to, bound.low), bound.high),
        low: bound.low,
        high: bound.high,
      });
    }
  }
  return moves;
}
