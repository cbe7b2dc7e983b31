/**
 * The reader's logical slot over an ordinary connection: create it when missing, read how healthy it is, drop
 * it. The status adds to lib/postgres's slot row what an operator needs to judge retention: how far the slot
 * lags behind the server's WAL and how much WAL it may still retain before PostgreSQL invalidates it.
 * (For a slot whose initial snapshot must line up with it, see slot-snapshot.ts.)
 */
import {
  createLogicalSlot,
  dropReplicationSlot,
  type Lsn,
  parseLsn,
  type Queryable,
} from '../../lib/postgres/index.ts';

export interface SlotStatus {
  slotName: string;
  plugin: string | null;
  slotType: string;
  database: string | null;
  active: boolean;
  activePid: number | null;
  restartLsn: Lsn | null;
  confirmedFlushLsn: Lsn | null;
  /** `reserved`, `extended`, `unreserved`, or `lost` (invalidated: it can never stream again). */
  walStatus: string | null;
  /** Bytes of WAL that may still be written before the slot is invalidated; null when unlimited. */
  safeWalSizeBytes: bigint | null;
  currentWalLsn: Lsn;
  /** pg_current_wal_lsn() − confirmed_flush_lsn: WAL the reader has not confirmed yet. */
  lagBytes: bigint | null;
  /** pg_current_wal_lsn() − restart_lsn: WAL the server keeps on disk for this slot. */
  retainedBytes: bigint | null;
}

interface StatusRow {
  slot_name: string;
  plugin: string | null;
  slot_type: string;
  database: string | null;
  active: boolean;
  active_pid: number | null;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
  wal_status: string | null;
  safe_wal_size: string | null;
  current_lsn: string;
}

const lsnOrNull = (text: string | null): Lsn | null => (text === null ? null : parseLsn(text));
const distance = (from: Lsn | null, to: Lsn): bigint | null =>
  from === null ? null : to > from ? to - from : 0n;

export async function readSlotStatus(db: Queryable, slot: string): Promise<SlotStatus | null> {
  // LSNs and sizes as text: pg_lsn has no JavaScript parser and int8 must not go through a float.
  const result = await db.query<StatusRow>(
    `SELECT slot_name::text, plugin::text, slot_type, database::text, active, active_pid,
            restart_lsn::text, confirmed_flush_lsn::text, wal_status, safe_wal_size::text,
            pg_current_wal_lsn()::text AS current_lsn
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = result.rows[0];
  if (!row) return null;
  const currentWalLsn = parseLsn(row.current_lsn);
  const restartLsn = lsnOrNull(row.restart_lsn);
  const confirmedFlushLsn = lsnOrNull(row.confirmed_flush_lsn);
  return {
    slotName: row.slot_name,
    plugin: row.plugin,
    slotType: row.slot_type,
    database: row.database,
    active: row.active,
    activePid: row.active_pid,
    restartLsn,
    confirmedFlushLsn,
    walStatus: row.wal_status,
    safeWalSizeBytes: row.safe_wal_size === null ? null : BigInt(row.safe_wal_size),
    currentWalLsn,
    lagBytes: distance(confirmedFlushLsn, currentWalLsn),
    retainedBytes: distance(restartLsn, currentWalLsn),
  };
}

export interface EnsureSlotResult {
  created: boolean;
  status: SlotStatus;
}

/**
 * Creates the pgoutput slot in the connection's database unless it exists (the role needs REPLICATION).
 * A slot created here starts at "now": whatever changed before is only in the tables, so a new slot means the
 * captured tables need a snapshot. Callers that need the snapshot to line up exactly use slot-snapshot.ts.
 */
export async function ensureSlot(db: Queryable, slot: string): Promise<EnsureSlotResult> {
  const existing = await readSlotStatus(db, slot);
  if (existing) return { created: false, status: existing };
  let created = true;
  try {
    await createLogicalSlot(db, slot, 'pgoutput');
  } catch (error) {
    // Another process created it between our read and our create: theirs is as good as ours.
    if ((error as { code?: string }).code !== '42710') throw error;
    created = false;
  }
  const status = await readSlotStatus(db, slot);
  if (!status) throw new Error(`slot ${slot} vanished right after it was created`);
  return { created, status };
}

/** Drops the slot (true) or does nothing when it does not exist (false); SQLSTATE 55006 while one streams. */
export async function dropSlot(db: Queryable, slot: string): Promise<boolean> {
  return dropReplicationSlot(db, slot);
}
