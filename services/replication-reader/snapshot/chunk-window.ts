/**
 * The watermark windows of an incremental snapshot (DBLog, Netflix 2019): the chunk job emits a low
 * watermark, selects a chunk of rows by key, emits a high watermark. In the stream, any change of the table
 * between the two watermarks is newer than (or as new as) what the select may have seen, so its key is removed
 * from the chunk; at the high watermark the remaining rows are emitted as `r` events, in stream order. Every key
 * then ends with its latest state whatever the interleaving, and streaming never stops for the snapshot.
 *
 * One PostgreSQL subtlety: a transaction's commit record is written before the transaction becomes visible,
 * so one that committed just before the low watermark can still be in progress for the chunk's snapshot. Its
 * change was streamed before the window opened, and the chunk holds the older row. So the chunk job also
 * reports the transactions in progress for its snapshot, the stream remembers which transactions it decoded
 * recently, and a chunk whose snapshot missed a transaction decoded before its low watermark is discarded
 * (`StaleChunk`) and selected again.
 *
 * Pure bookkeeping: no I/O. Keys are compared in PostgreSQL's text form, which the stream and the select share.
 */
import type { RowChange, TableRef, TextRow } from '../model.ts';

export interface ChunkWindow {
  id: string;
  /** The table the chunk reads. */
  table: TableRef;
  keyColumns: readonly string[];
  /** The selected rows, set by the chunk job once its select returned (before it emits the high watermark). */
  rows?: TextRow[];
  /** Transactions in progress for the select's snapshot (32-bit xids), set with `rows`. */
  inProgress?: readonly number[];
  /**
   * Resolved once the high watermark was reached and the chunk's remaining rows handed to the producer:
   * `acked` resolves when Kafka acknowledged them. Rejected when the window is abandoned.
   */
  done: Promise<{ emitted: number; acked: Promise<void> }>;
}

export interface ReachedWatermark {
  window: ChunkWindow;
  rows: TextRow[];
  /** The stream reports that it produced `rows`, and when they will be acknowledged. */
  settle(acked: Promise<void>): void;
}

interface OpenWindow extends ChunkWindow {
  low: boolean;
  /** Transactions decoded before the low watermark have a sequence number below this. */
  lowSequence: number;
  changedKeys: Set<string>;
  truncated: boolean;
  resolve: (result: { emitted: number; acked: Promise<void> }) => void;
  reject: (error: Error) => void;
}

export const watermarkPrefix = 'cdc.watermark';

export function watermarkContent(id: string, edge: 'low' | 'high'): string {
  return `${edge}:${id}`;
}

function parseWatermark(content: string): { edge: 'low' | 'high'; id: string } | undefined {
  const separator = content.indexOf(':');
  const edge = content.slice(0, separator);
  if (edge !== 'low' && edge !== 'high') return undefined;
  return { edge, id: content.slice(separator + 1) };
}

/** A row's key in text form, unambiguous (JSON keeps NULL, empty strings and separators apart). */
export function keyText(row: TextRow, keyColumns: readonly string[]): string {
  return JSON.stringify(keyColumns.map((column) => row[column] ?? null));
}

/** The chunk's snapshot missed a transaction streamed before its window: the chunk must be selected again. */
export class StaleChunk extends Error {}

/** Transactions remembered: far more than can commit between a low watermark and the chunk's snapshot. */
const rememberedTransactions = 200_000;
/** A window needs this many transactions before its low watermark still remembered to be judged. */
const requiredHistory = 20_000;

export class ChunkWindows {
  private readonly windows = new Map<string, OpenWindow>();
  /** Recently decoded transactions: xid to decoding sequence number (insertion order = sequence order). */
  private readonly decoded = new Map<number, number>();
  private sequence = 0;
  /** Sequence numbers below this were forgotten. */
  private forgottenBelow = 0;

  /** A transaction begins in the stream (call for every one, in stream order). */
  onTransaction(xid: number): void {
    this.sequence++;
    this.decoded.delete(xid);
    this.decoded.set(xid, this.sequence);
    if (this.decoded.size > rememberedTransactions) {
      const [oldest, sequence] = this.decoded.entries().next().value as [number, number];
      this.decoded.delete(oldest);
      this.forgottenBelow = sequence + 1;
    }
  }

  open(id: string, table: TableRef, keyColumns: readonly string[]): ChunkWindow {
    let resolve: OpenWindow['resolve'] = () => undefined;
    let reject: OpenWindow['reject'] = () => undefined;
    const done = new Promise<{ emitted: number; acked: Promise<void> }>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The job may abandon a window (its query failed); nobody awaits it then.
    done.catch(() => undefined);
    const window: OpenWindow = {
      id,
      table,
      keyColumns,
      done,
      low: false,
      lowSequence: 0,
      changedKeys: new Set(),
      truncated: false,
      resolve,
      reject,
    };
    this.windows.set(id, window);
    return window;
  }

  /** The chunk job gave up on this window (its query failed, or the reader stops). */
  abandon(id: string, reason: Error): void {
    const window = this.windows.get(id);
    if (!window) return;
    this.windows.delete(id);
    window.reject(reason);
  }

  abandonAll(reason: Error): void {
    for (const id of [...this.windows.keys()]) this.abandon(id, reason);
  }

  /**
   * A watermark read from the stream. Returns the rows to emit now (at a high watermark), or undefined.
   * Watermarks of windows this reader did not open (replayed after a restart) are ignored.
   */
  onWatermark(content: string): ReachedWatermark | undefined {
    const watermark = parseWatermark(content);
    const window = watermark && this.windows.get(watermark.id);
    if (!watermark || !window) return undefined;
    if (watermark.edge === 'low') {
      window.low = true;
      window.lowSequence = this.sequence;
      return undefined;
    }
    this.windows.delete(window.id);
    if (!window.low || !window.rows) {
      // Cannot happen with one job emitting in order; refusing is safer than emitting an unfenced chunk.
      window.reject(new Error(`chunk ${window.id}: high watermark without its low watermark or rows`));
      return undefined;
    }
    if (this.missedEarlierTransaction(window)) {
      window.reject(
        new StaleChunk(`chunk ${window.id}: its snapshot missed a transaction streamed before it`),
      );
      return undefined;
    }
    const rows = window.truncated
      ? []
      : window.rows.filter((row) => !window.changedKeys.has(keyText(row, window.keyColumns)));
    return { window, rows, settle: (acked) => window.resolve({ emitted: rows.length, acked }) };
  }

  private missedEarlierTransaction(window: OpenWindow): boolean {
    // Not enough history kept to tell: judge it stale (selecting again is cheap and always safe).
    if (this.forgottenBelow > Math.max(0, window.lowSequence - requiredHistory)) return true;
    for (const xid of window.inProgress ?? []) {
      const sequence = this.decoded.get(xid);
      if (sequence !== undefined && sequence <= window.lowSequence) return true;
    }
    return false;
  }

  /** A change read from the stream: inside an open window of its table, its keys leave that chunk. */
  onChange(change: RowChange): void {
    for (const window of this.windows.values()) {
      if (!window.low || window.table.relationOid !== change.table.relationOid) continue;
      switch (change.op) {
        case 'c':
        case 'r':
          window.changedKeys.add(keyText(change.after, window.keyColumns));
          break;
        case 'u':
          window.changedKeys.add(keyText(change.after, window.keyColumns));
          if (change.before) window.changedKeys.add(keyText(change.before, window.keyColumns));
          break;
        case 'd':
          window.changedKeys.add(keyText(change.before, window.keyColumns));
          break;
        case 't':
          window.truncated = true;
          break;
      }
    }
  }

  get size(): number {
    return this.windows.size;
  }
}
