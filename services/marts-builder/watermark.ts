/**
 * The consistent watermark: a time up to which every change of every captured table is in analytics_raw, so
 * a mart built up to it never mixes a half-applied stream.
 *
 * Within a partition the sink applies changes in source commit order, and it records with its cursor the
 * newest commit time it applied (`cdc.consumer_offsets.source_committed_at`). So:
 * - a partition the sink has not caught up with is complete up to that time;
 * - a partition it has caught up with (stored cursor = partition end) holds nothing newer, and the reader
 *   sends transactions in commit order, so it is complete up to the newest commit time applied anywhere.
 * The watermark is the minimum over partitions; partitions that never held a message do not count. Undefined
 * when nothing was applied yet (nothing to build) or a partition with messages has no cursor yet.
 */
import type { Admin } from 'kafkajs';
import type pg from 'pg';

export interface PartitionWatermark {
  topic: string;
  partition: number;
  caughtUp: boolean;
  /** Complete up to this time. */
  completeUpTo: Date | undefined;
}

export interface Watermark {
  at: Date | undefined;
  partitions: PartitionWatermark[];
}

export async function consistentWatermark(
  pool: pg.Pool,
  admin: Pick<Admin, 'fetchTopicOffsets'>,
  consumerGroup: string,
  topics: readonly string[],
): Promise<Watermark> {
  // End offsets first: anything the cursor reaches after this read is covered, never the reverse.
  const ends = new Map<string, { partition: number; low: bigint; high: bigint }[]>();
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends.set(
      topic,
      offsets.map((offset) => ({
        partition: offset.partition,
        low: BigInt(offset.low),
        high: BigInt(offset.high),
      })),
    );
  }
  const { rows } = await pool.query<{
    topic: string;
    partition: number;
    next_offset: string;
    source_committed_at: Date | null;
  }>(
    `SELECT topic, partition, next_offset::text, source_committed_at FROM cdc.consumer_offsets
      WHERE consumer_group = $1 AND topic = ANY($2::text[])`,
    [consumerGroup, [...topics]],
  );
  const cursors = new Map(rows.map((row) => [`${row.topic}/${row.partition}`, row]));
  const newestApplied = rows.reduce<Date | undefined>(
    (newest, row) =>
      row.source_committed_at && (!newest || row.source_committed_at > newest)
        ? row.source_committed_at
        : newest,
    undefined,
  );
  const partitions: PartitionWatermark[] = [];
  for (const [topic, offsets] of ends) {
    for (const { partition, high } of offsets) {
      if (high === 0n) continue; // never held a message
      const cursor = cursors.get(`${topic}/${partition}`);
      const caughtUp = cursor !== undefined && BigInt(cursor.next_offset) >= high;
      const completeUpTo = caughtUp ? newestApplied : (cursor?.source_committed_at ?? undefined);
      partitions.push({ topic, partition, caughtUp, completeUpTo });
    }
  }
  if (partitions.length === 0 || partitions.some((partition) => !partition.completeUpTo)) {
    return { at: undefined, partitions };
  }
  const at = partitions.reduce<Date>(
    (lowest, partition) =>
      (partition.completeUpTo as Date) < lowest ? (partition.completeUpTo as Date) : lowest,
    partitions[0]?.completeUpTo as Date,
  );
  return { at, partitions };
}
