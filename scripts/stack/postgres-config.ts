/**
 * postgresql.conf and pg_hba.conf of the native cluster, rendered from topology.ts. Pure functions: the files are
 * rewritten on every start, so a change here takes effect on the next `down` + `up` without re-initialising.
 */
import { host, roles } from './topology.ts';

export interface PostgresConfigInput {
  port: number;
  socketDir: string;
}

export function renderPostgresConf({ port, socketDir }: PostgresConfigInput): string {
  const settings: Array<[string, string | number]> = [
    // Loopback only: this is a development stack with throwaway passwords.
    ['listen_addresses', `'${host}'`],
    ['port', port],
    // Inside stackHome, so the cluster never collides with a system Postgres' /var/run/postgresql.
    ['unix_socket_directories', `'${socketDir}'`],
    ['max_connections', 200],
    ['shared_buffers', '128MB'],
    ['work_mem', '8MB'],
    ['maintenance_work_mem', '64MB'],
    ['dynamic_shared_memory_type', 'posix'],
    // Logical decoding for the CDC reader, with room for one slot per test database.
    ['wal_level', 'logical'],
    ['max_replication_slots', 32],
    ['max_wal_senders', 32],
    // An abandoned slot (a crashed test) must not fill the disk: past 2GB of retained WAL it is invalidated.
    ['max_slot_wal_keep_size', '2GB'],
    ['wal_sender_timeout', '60s'],
    ['max_wal_size', '1GB'],
    // Logs go to stderr, which the stack redirects to logs/postgres.log.
    ['logging_collector', 'off'],
    ['log_destination', `'stderr'`],
    ['log_line_prefix', `'%m [%p] %q%u@%d '`],
    ['log_timezone', `'UTC'`],
    ['log_min_duration_statement', '1s'],
    ['log_replication_commands', 'on'],
    ['timezone', `'UTC'`],
    ['datestyle', `'iso, mdy'`],
    ['lc_messages', `'C.UTF-8'`],
    ['lc_monetary', `'C.UTF-8'`],
    ['lc_numeric', `'C.UTF-8'`],
    ['lc_time', `'C.UTF-8'`],
    ['default_text_search_config', `'pg_catalog.english'`],
    ['password_encryption', 'scram-sha-256'],
  ];
  const lines = settings.map(([key, value]) => `${key} = ${value}`);
  return `# Written by scripts/stack/postgres-config.ts on every start; edit that file, not this one.\n${lines.join('\n')}\n`;
}

export function renderPgHba(superuser: string): string {
  const rows: Array<[string, string, string, string, string]> = [
    // The superuser only over the unix socket, which lives in a folder only the stack's user can reach.
    ['local', 'all', superuser, '', 'trust'],
    // Logical replication for the CDC reader; `all` below does not match replication connections.
    ['host', 'replication', roles.reader.name, `${host}/32`, 'scram-sha-256'],
    ['host', 'all', 'all', `${host}/32`, 'scram-sha-256'],
  ];
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd([8, 13, 14, 16, 0][i] ?? 0))
      .join('')
      .trimEnd(),
  );
  return `# Written by scripts/stack/postgres-config.ts on every start; anything not listed is rejected.\n# TYPE  DATABASE     USER          ADDRESS         METHOD\n${lines.join('\n')}\n`;
}
