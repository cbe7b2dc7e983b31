/**
 * Reading `cdc.table_state`, the paused/active state of each captured topic that every sink replica follows.
 * A paused row with a `schema_version` was paused by a sink because of an incompatible schema change (and the
 * sink clears it once the raw table is migrated); without one, by an operator (`cdc pause`).
 */
import type pg from 'pg';

export interface TableState {
  topic: string;
  rawTable: string;
  status: 'active' | 'paused';
  reason: string | null;
  /** The writer schema a sink could not apply; set on a schema-caused pause (and left behind once resumed). */
  schemaVersion: number | null;
  /** When the state last changed: for a paused table, since when it is paused. */
  updatedAt: Date;
}

export interface TableStateRow {
  topic: string;
  raw_table: string;
  status: 'active' | 'paused';
  reason: string | null;
  schema_version: number | null;
  updated_at: Date;
}

const columns = 'topic, raw_table, status, reason, schema_version, updated_at';

export function tableStateOf(row: TableStateRow): TableState {
  return {
    topic: row.topic,
    rawTable: row.raw_table,
    status: row.status,
    reason: row.reason,
    schemaVersion: row.schema_version,
    updatedAt: row.updated_at,
  };
}

/** The sink clears this kind of pause itself once the raw table can hold the new schema. */
export function isSchemaPause(state: TableState | undefined): boolean {
  return state?.status === 'paused' && state.schemaVersion !== null;
}

/** `lock`: inside a transaction, hold the row until it ends, so a concurrent pause or resume waits. */
export async function readTableState(
  client: pg.ClientBase,
  topic: string,
  options: { lock?: boolean } = {},
): Promise<TableState | undefined> {
  const { rows } = await client.query<TableStateRow>(
    `SELECT ${columns} FROM cdc.table_state WHERE topic = $1${options.lock ? ' FOR UPDATE' : ''}`,
    [topic],
  );
  return rows[0] && tableStateOf(rows[0]);
}

export async function readPausedTables(client: pg.ClientBase): Promise<TableState[]> {
  const { rows } = await client.query<TableStateRow>(
    `SELECT ${columns} FROM cdc.table_state WHERE status = 'paused' ORDER BY topic`,
  );
  return rows.map(tableStateOf);
}
