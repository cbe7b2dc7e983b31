/**
 * The watermark windows of an incremental snapshot (DBLog, Netflix 2019): the chunk job emits a low
 * watermark, selects a chunk of rows by key, emits a high watermark. In the stream, any change of the table
 * between the two watermarks is newer than (or as new as) what the select may have seen, so its key is removed
 * from the chunk; at the high watermark the remaining rows are emitted as `r` events, in stream order. Every key
 * then ends with its latest state whatever the interleaving, and streaming never stops for the snapshot.
 *
 * Pure bookkeeping: no I/O. Keys are compared in PostgreSQL's text form, which the stream and the select share.
 */
import type { RowChange, TextRow } from '../model.ts';

export interface ChunkWindow {
  id: string;
  relationOid: number;
  keyColumns: readonly string[];
  /** The selected rows, set by the chunk job once its select returned (before it emits the high watermark). */
  rows?: TextRow[];
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

export class ChunkWindows {
  private readonly windows = new Map<string, OpenWindow>();

  open(id: string, relationOid: number, keyColumns: readonly string[]): ChunkWindow {
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
      relationOid,
      keyColumns,
      done,
      low: false,
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
      return undefined;
    }
    this.windows.delete(window.id);
    if (!window.low || !window.rows) {
      // Cannot happen with one job emitting in order; refusing is safer than emitting an unfenced chunk.
      window.reject(new Error(`chunk ${window.id}: high watermark without its low watermark or rows`));
      return undefined;
    }
    const rows = window.truncated
      ? []
      : window.rows.filter((row) => !window.changedKeys.has(keyText(row, window.keyColumns)));
    return { window, rows, settle: (acked) => window.resolve({ emitted: rows.length, acked }) };
  }

  /** A change read from the stream: inside an open window of its table, its keys leave that chunk. */
  onChange(change: RowChange): void {
    for (const window of this.windows.values()) {
      if (!window.low || window.relationOid !== change.table.relationOid) continue;
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
