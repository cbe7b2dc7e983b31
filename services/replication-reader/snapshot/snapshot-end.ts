/**
 * The end of an incremental snapshot, handed from the snapshot job to the stream (like a chunk's watermarks):
 * the job emits a `cdc.snapshot-end` message in the WAL once its last chunk was acknowledged; the stream turns
 * it into the table's snapshot-end events (one per partition, see pipeline/change-events.ts) in stream order,
 * and tells the job when Kafka acknowledged them.
 *
 * The events carry the snapshot's first low watermark as their position: every row the snapshot wrote, and
 * every change streamed since, is newer, so the sink can mark deleted what is older (rows deleted at the source
 * while nobody streamed them). Messages of ends this reader did not open (replayed after a restart, whose job
 * redoes the end) are ignored. Pure bookkeeping: no I/O.
 */
import type { Lsn, TableRef } from '../model.ts';

export const snapshotEndPrefix = 'cdc.snapshot-end';

export interface ReachedSnapshotEnd {
  table: TableRef;
  below: Lsn;
  /** The stream reports that it produced the events, and when they will be acknowledged. */
  settle(acked: Promise<void>): void;
}

interface OpenEnd {
  table: TableRef;
  below: Lsn;
  resolve(acked: Promise<void>): void;
  reject(error: Error): void;
}

export class SnapshotEnds {
  private readonly open = new Map<string, OpenEnd>();

  /** Resolves with the acknowledgement once the stream produced the end's events. */
  expect(id: string, table: TableRef, below: Lsn): Promise<Promise<void>> {
    return new Promise((resolve, reject) => {
      this.open.set(id, { table, below, resolve, reject });
    });
  }

  /** The job gave up (its message could not be emitted, or the reader stops). */
  abandon(id: string, reason: Error): void {
    this.open.get(id)?.reject(reason);
    this.open.delete(id);
  }

  abandonAll(reason: Error): void {
    for (const id of [...this.open.keys()]) this.abandon(id, reason);
  }

  /** A `cdc.snapshot-end` message read from the stream (its content is the end's id). */
  onMessage(content: string): ReachedSnapshotEnd | undefined {
    const end = this.open.get(content);
    if (!end) return undefined;
    this.open.delete(content);
    return { table: end.table, below: end.below, settle: (acked) => end.resolve(acked) };
  }
}
