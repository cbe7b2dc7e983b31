/**
 * Server-wide facts the preflight judges: version, the settings logical decoding depends on, and how many
 * slots and WAL senders are already taken. All readable by an unprivileged role.
 */
import type { Queryable } from '../../../lib/postgres/index.ts';

export interface ServerFacts {
  /** server_version_num, e.g. 150018. */
  versionNum: number;
  walLevel: string;
  /** MB; -1 means "unlimited" (a stuck slot can fill the disk). */
  maxSlotWalKeepSizeMb: number;
  maxReplicationSlots: number;
  maxWalSenders: number;
  /** Milliseconds; 0 disables the timeout. */
  walSenderTimeoutMs: number;
  slotsInUse: number;
  walSendersInUse: number;
}

interface SettingRow {
  name: string;
  setting: string;
}

const settingNames = [
  'server_version_num',
  'wal_level',
  'max_slot_wal_keep_size',
  'max_replication_slots',
  'max_wal_senders',
  'wal_sender_timeout',
];

export async function readServerFacts(db: Queryable): Promise<ServerFacts> {
  // pg_settings reports each value in its base unit (MB for max_slot_wal_keep_size, ms for wal_sender_timeout).
  const settings = await db.query<SettingRow>('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [
    settingNames,
  ]);
  const byName = new Map(settings.rows.map((row) => [row.name, row.setting]));
  const counts = await db.query<{ slots: number; senders: number }>(
    `SELECT (SELECT count(*)::int FROM pg_replication_slots) AS slots,
            (SELECT count(*)::int FROM pg_stat_replication) AS senders`,
  );
  const number = (name: string) => Number(byName.get(name) ?? Number.NaN);
  return {
    versionNum: number('server_version_num'),
    walLevel: byName.get('wal_level') ?? 'unknown',
    maxSlotWalKeepSizeMb: number('max_slot_wal_keep_size'),
    maxReplicationSlots: number('max_replication_slots'),
    maxWalSenders: number('max_wal_senders'),
    walSenderTimeoutMs: number('wal_sender_timeout'),
    slotsInUse: counts.rows[0]?.slots ?? 0,
    walSendersInUse: counts.rows[0]?.senders ?? 0,
  };
}
