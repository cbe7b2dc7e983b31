/**
 * Keeps the consumer's fetch position on the stored cursor (cdc.consumer_offsets), which is the truth:
 * - on assignment and on resume, it seeks there and commits that position to Kafka too, so the group's
 *   offsets mirror the cursor from the start (lag tools; `cdc rewind` waits for them to agree);
 * - when `cdc rewind` moves the cursor of partitions this member holds, it re-seeks them, after the batch in
 *   flight there has ended (that batch's slice fails its compare-and-set, or its check below, and rolls back);
 * - it tells whether a batch was fetched from beyond the cursor, which only a rewind causes (a batch fetched
 *   before the rewind and applied after it): applying it would skip the messages in between.
 */
import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import type pg from 'pg';
import type { RewindNotice } from '../../../lib/cursor/rewinds.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import { readCursor } from './stored-cursor.ts';

export interface CursorSeekerOptions {
  pool: pg.Pool;
  groupId: string;
  logger: Logger;
  consumer: () => Consumer | undefined;
  admin: () => Admin | undefined;
  /** The partitions this member holds now, per topic. */
  assignment: ReadonlyMap<string, readonly number[]>;
}

export class CursorSeeker {
  /** The batch being applied per `topic/partition`. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly options: CursorSeekerOptions) {}

  /** Remembers a batch until it has ended, failed or not (a rewind waits for it). */
  track(topic: string, partition: number, handled: Promise<void>): void {
    const key = `${topic}/${partition}`;
    const settled = handled.catch(() => undefined);
    this.inFlight.set(key, settled);
    void settled.then(() => {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    });
  }

  async seekToStored(assignment: Readonly<Record<string, readonly number[]>>): Promise<void> {
    const consumer = this.options.consumer();
    for (const [topic, partitions] of Object.entries(assignment)) {
      const stored = await readCursor(this.options.pool, this.options.groupId, topic, partitions);
      const bounds = await (this.options.admin() as Admin).fetchTopicOffsets(topic);
      const positions = partitions.map((partition) => {
        const low = bounds.find((bound) => bound.partition === partition)?.low ?? '0';
        return { topic, partition, offset: String(stored.get(partition) ?? BigInt(low)) };
      });
      for (const position of positions) consumer?.seek(position);
      await consumer
        ?.commitOffsets(positions)
        .catch((error: unknown) =>
          this.options.logger.warn({ err: error, topic }, 'could not commit the cursor to Kafka'),
        );
    }
  }

  async followRewind(notice: RewindNotice): Promise<void> {
    const mine: Record<string, number[]> = {};
    for (const { topic, partition } of notice.partitions) {
      if (!this.options.assignment.get(topic)?.includes(partition)) continue;
      mine[topic] = [...(mine[topic] ?? []), partition];
    }
    if (Object.keys(mine).length === 0) return;
    // The first seek makes the batch in flight stale (kafkajs' isStale); once it has ended, the cursor is
    // read again and sought for good.
    await this.seekToStored(mine);
    await Promise.all(
      Object.entries(mine).flatMap(([topic, partitions]) =>
        partitions.map((partition) => this.inFlight.get(`${topic}/${partition}`)),
      ),
    );
    await this.seekToStored(mine);
    this.options.logger.info(
      { rewindId: notice.id, partitions: mine },
      'cursor rewound by an operator: re-sought',
    );
  }

  /**
   * The batch (or the rest of it, from `origin`) was fetched from beyond the stored cursor. A cursor older than
   * the partition's first retained offset is not a gap: fetching resumed from that offset.
   */
  async fetchedBeyond(batch: EachBatchPayload['batch'], stored: bigint, origin: bigint): Promise<boolean> {
    if (origin <= stored) return false;
    const bounds = await (this.options.admin() as Admin).fetchTopicOffsets(batch.topic);
    const low = BigInt(bounds.find((bound) => bound.partition === batch.partition)?.low ?? '0');
    return !(stored < low && origin <= low);
  }
}
