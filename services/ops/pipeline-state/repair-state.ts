/**
 * Rows the sinks are having repaired from core (`cdc.incomplete_rows`: row versions whose unchanged TOAST column
 * they could not fill, re-read by the reader on their request). Counts and ages only: never a key.
 */
import type { Queryable } from '../../../lib/postgres/slots.ts';
import type { RepairState } from './state.ts';

export async function readRepairState(client: Queryable): Promise<RepairState[]> {
  const { rows } = await client.query<{ raw_table: string; rows: number; oldest: number; requests: number }>(
    `SELECT raw_table, count(*)::int AS rows,
            extract(epoch FROM now() - min(detected_at))::float8 AS oldest, max(requests)::int AS requests
       FROM cdc.incomplete_rows GROUP BY raw_table ORDER BY raw_table`,
  );
  return rows.map((row) => ({
    rawTable: row.raw_table,
    rows: row.rows,
    oldestSeconds: row.oldest,
    requests: row.requests,
  }));
}
