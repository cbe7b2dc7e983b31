/**
 * One chunk of rows read from core between two watermarks (DBLog, chunk-window.ts), the step both kinds of
 * incremental reads share: a table's snapshot (incremental.ts, chunks in key order) and a repair of given keys
 * (key-reads.ts). Low watermark, the select in its own REPEATABLE READ snapshot (with the transactions in
 * progress for it), high watermark; then the stream emits the rows no change in between made stale, at the
 * high watermark, and this waits until Kafka acknowledged them. A chunk whose snapshot missed a transaction
 * streamed before its window (`StaleChunk`, a race of microseconds) is selected again.
 */
import type pg from 'pg';
import type { TableRef, TextRow } from '../model.ts';
import { type ChunkWindows, StaleChunk, watermarkContent, watermarkPrefix } from './chunk-window.ts';

/** A chunk selected again because its snapshot missed an earlier transaction (rare: a race of microseconds). */
const maxStaleAttempts = 50;

export interface FencedChunkRead {
  /** Unique per chunk and reader run (chunk-window.ts says why the run matters). */
  id: string;
  table: TableRef;
  keyColumns: readonly string[];
  /** The select, run inside the chunk's snapshot. */
  select: (client: pg.Client) => Promise<{ rows: Record<string, string | null>[] }>;
  /** Told the low watermark's LSN (text) of each attempt. */
  onLowWatermark?: (lsn: string) => void;
  /** Counts a chunk selected again. */
  onStale?: () => void;
}

export interface FencedChunk {
  /** Every row the select returned (the last one gives a snapshot its next key). */
  selected: TextRow[];
  /** The rows the stream emitted (the others were changed meanwhile: the stream's version is newer). */
  emitted: number;
}

/** Reads one chunk (module header); rejects with `stopped`'s reason when the reader stops meanwhile. */
export async function readFencedChunk(
  client: pg.Client,
  windows: ChunkWindows,
  stopped: Promise<never>,
  read: FencedChunkRead,
): Promise<FencedChunk> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readOnce(client, windows, stopped, read, `${read.id}.${attempt}`);
    } catch (error) {
      if (!(error instanceof StaleChunk) || attempt >= maxStaleAttempts) throw error;
      read.onStale?.();
    }
  }
}

async function readOnce(
  client: pg.Client,
  windows: ChunkWindows,
  stopped: Promise<never>,
  read: FencedChunkRead,
  id: string,
): Promise<FencedChunk> {
  const window = windows.open(id, read.table, read.keyColumns);
  const emit = (edge: 'low' | 'high') =>
    client.query<{ lsn: string }>('SELECT pg_logical_emit_message(true, $1, $2)::text AS lsn', [
      watermarkPrefix,
      watermarkContent(id, edge),
    ]);
  try {
    const low = (await emit('low')).rows[0]?.lsn;
    if (low) read.onLowWatermark?.(low);
    const { rows, inProgress } = await selectInSnapshot(client, () => read.select(client));
    window.rows = rows;
    window.inProgress = inProgress;
    await emit('high');
    const { emitted, acked } = await Promise.race([window.done, stopped]);
    await Promise.race([acked, stopped]);
    return { selected: rows, emitted };
  } catch (error) {
    windows.abandon(id, error as Error);
    throw error;
  }
}

/** The chunk's rows, and the transactions in progress for the snapshot they were read in (see chunk-window.ts). */
async function selectInSnapshot(
  client: pg.Client,
  select: () => Promise<{ rows: Record<string, string | null>[] }>,
): Promise<{ rows: Record<string, string | null>[]; inProgress: number[] }> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    // The first statement fixes the transaction's snapshot; the select reads in the same one. xid8 values
    // carry the epoch: the stream sees 32-bit xids.
    const snapshot = await client.query<{ xid: string }>(
      'SELECT (pg_snapshot_xip(pg_current_snapshot())::text::numeric % 4294967296)::text AS xid',
    );
    const { rows } = await select();
    await client.query('COMMIT');
    return { rows, inProgress: snapshot.rows.map((row) => Number(row.xid)) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
