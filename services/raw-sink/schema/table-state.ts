/**
 * `cdc.table_state`: which captured topics the sinks hold paused, and why. The table is the truth shared by
 * every replica (and by operators): a replica that pauses a table writes it here, the others read it on their
 * next poll and pause too; clearing it (the sink itself once the cause is fixed, or an operator) resumes them.
 */
import type pg from 'pg';

export interface PausedTable {
  topic: string;
  rawTable: string;
  reason: string;
  /** The writer schema that could not be applied, when a schema change caused the pause. */
  schemaId: number | undefined;
}

export async function pausedTables(pool: pg.Pool, topics: readonly string[]): Promise<PausedTable[]> {
  const { rows } = await pool.query<{
    topic: string;
    raw_table: string;
    reason: string | null;
    schema_version: number | null;
  }>(
    `SELECT topic, raw_table, reason, schema_version FROM cdc.table_state
      WHERE status = 'paused' AND topic = ANY($1::text[])`,
    [topics],
  );
  return rows.map((row) => ({
    topic: row.topic,
    rawTable: row.raw_table,
    reason: row.reason ?? 'paused by an operator',
    schemaId: row.schema_version ?? undefined,
  }));
}

export async function markPaused(pool: pg.Pool, paused: PausedTable): Promise<void> {
  await pool.query(
    `INSERT INTO cdc.table_state (topic, raw_table, status, reason, schema_version, updated_at)
     VALUES ($1, $2, 'paused', $3, $4, now())
     ON CONFLICT (topic) DO UPDATE SET status = 'paused', raw_table = EXCLUDED.raw_table,
       reason = EXCLUDED.reason, schema_version = EXCLUDED.schema_version, updated_at = now()`,
    [paused.topic, paused.rawTable, paused.reason, paused.schemaId ?? null],
  );
}

export async function markActive(pool: pg.Pool, topic: string, rawTable: string): Promise<void> {
  await pool.query(
    `INSERT INTO cdc.table_state (topic, raw_table, status, reason, updated_at)
     VALUES ($1, $2, 'active', NULL, now())
     ON CONFLICT (topic) DO UPDATE SET status = 'active', reason = NULL, updated_at = now()`,
    [topic, rawTable],
  );
}
