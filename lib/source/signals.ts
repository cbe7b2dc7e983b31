/**
 * Operator signals to the reader, sent through the WAL (`pg_logical_emit_message`, transactional) so they reach
 * the one reader streaming the slot, in order with the changes, with no other channel to secure. The reader
 * role may emit them (it needs no write access to any table).
 */
import type pg from 'pg';
import { z } from 'zod';

export const signalPrefix = 'cdc.signal';

const snapshotSignal = z.object({
  type: z.literal('snapshot'),
  /** Connector name. */
  table: z.string().min(1),
  /** Request id: a replayed signal (after a restart) is recognised and not run twice. */
  id: z.string().min(1).max(100),
});

export type SnapshotSignal = z.infer<typeof snapshotSignal>;

/** Undefined (the caller logs and ignores it) when the content is not a signal this reader understands. */
export function parseSignal(content: string): SnapshotSignal | undefined {
  try {
    const parsed = snapshotSignal.safeParse(JSON.parse(content));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function emitSnapshotSignal(client: pg.Client, signal: SnapshotSignal): Promise<string> {
  const { rows } = await client.query<{ lsn: string }>(
    'SELECT pg_logical_emit_message(true, $1, $2)::text AS lsn',
    [signalPrefix, JSON.stringify(signal)],
  );
  return rows[0]?.lsn ?? '';
}
