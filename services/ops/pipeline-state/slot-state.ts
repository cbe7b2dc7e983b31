/**
 * The replication slot as PostgreSQL sees it: does it exist, is a reader attached, how much WAL it holds back.
 * Any role may read pg_replication_slots, so the reader's own role (DATABASE_URL_CORE) is enough.
 */
import type { Queryable } from '../../../lib/postgres/slots.ts';
import type { SlotState } from './state.ts';

interface SlotRow {
  active: boolean;
  confirmed_flush_lsn: string | null;
  current_lsn: string;
  lag_bytes: string | null;
  wal_status: string | null;
}

export async function readSlotState(client: Queryable, slotName: string): Promise<SlotState> {
  const current = await client.query<{ current_lsn: string }>(
    'SELECT pg_current_wal_lsn()::text AS current_lsn',
  );
  const { rows } = await client.query<SlotRow>(
    `SELECT active, confirmed_flush_lsn::text, pg_current_wal_lsn()::text AS current_lsn,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag_bytes, wal_status
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slotName],
  );
  const row = rows[0];
  return {
    name: slotName,
    exists: row !== undefined,
    active: row?.active ?? false,
    confirmedLsn: row?.confirmed_flush_lsn ?? null,
    currentLsn: row?.current_lsn ?? current.rows[0]?.current_lsn ?? null,
    lagBytes: row?.lag_bytes == null ? null : Math.max(0, Number(row.lag_bytes)),
    lagSeconds: null,
    walStatus: row?.wal_status ?? null,
  };
}
