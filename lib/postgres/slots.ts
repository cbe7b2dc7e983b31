/**
 * Replication slot queries over an ordinary (non-replication) connection, one small function per statement.
 * The reader restarts from `confirmed_flush_lsn`: it is the position PostgreSQL keeps WAL for, and the only
 * one that survives a crash of the reader.
 */
import type pg from 'pg';
import { assertSlotName } from './identifiers.ts';
import { type Lsn, parseLsn } from './lsn.ts';

export type Queryable = Pick<pg.ClientBase, 'query'>;

export interface ReplicationSlotState {
  slotName: string;
  plugin: string | null;
  slotType: 'logical' | 'physical';
  database: string | null;
  /** Whether a walsender streams from it now; a second reader gets SQLSTATE 55006 while this is true. */
  active: boolean;
  activePid: number | null;
  restartLsn: Lsn | undefined;
  /** Everything before this is confirmed by the reader; undefined for physical slots. */
  confirmedFlushLsn: Lsn | undefined;
  /** `reserved`, `extended`, `unreserved` or `lost` (the slot can no longer stream). */
  walStatus: string | null;
}

interface SlotRow {
  slot_name: string;
  plugin: string | null;
  slot_type: 'logical' | 'physical';
  database: string | null;
  active: boolean;
  active_pid: number | null;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
  wal_status: string | null;
}

const optionalLsn = (text: string | null): Lsn | undefined => (text === null ? undefined : parseLsn(text));

export async function readReplicationSlot(
  client: Queryable,
  slot: string,
): Promise<ReplicationSlotState | undefined> {
  // pg_lsn has no node-postgres parser, so the positions arrive as text and are parsed exactly.
  const result = await client.query<SlotRow>(
    `SELECT slot_name, plugin, slot_type, database, active, active_pid,
            restart_lsn::text, confirmed_flush_lsn::text, wal_status
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    slotName: row.slot_name,
    plugin: row.plugin,
    slotType: row.slot_type,
    database: row.database,
    active: row.active,
    activePid: row.active_pid,
    restartLsn: optionalLsn(row.restart_lsn),
    confirmedFlushLsn: optionalLsn(row.confirmed_flush_lsn),
    walStatus: row.wal_status,
  };
}

/** Creates a logical slot with pgoutput in the connection's database; returns its consistent point. */
export async function createLogicalSlot(client: Queryable, slot: string, plugin = 'pgoutput'): Promise<Lsn> {
  assertSlotName(slot);
  const result = await client.query<{ lsn: string }>(
    'SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, $2)',
    [slot, plugin],
  );
  return parseLsn(result.rows[0]?.lsn ?? '');
}

/** Drops the slot if it exists; fails with SQLSTATE 55006 while a reader still streams from it. */
export async function dropReplicationSlot(client: Queryable, slot: string): Promise<boolean> {
  const result = await client.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  return (result.rowCount ?? 0) > 0;
}
