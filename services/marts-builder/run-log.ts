/** `cdc.marts_runs`: one row per build (start, end, status, models, rows, watermark, error), for people and `cdc status`. */
import type pg from 'pg';

export type RunStatus = 'success' | 'failed' | 'skipped';

export async function recordStart(
  pool: pg.Pool,
  window: { end: Date; start: Date; fullRebuild: boolean } | undefined,
): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO cdc.marts_runs (status, watermark, window_start, full_rebuild)
     VALUES ('running', $1, $2, $3) RETURNING id::text`,
    [window?.end ?? null, window?.start ?? null, window?.fullRebuild ?? false],
  );
  return Number(rows[0]?.id);
}

export async function recordEnd(
  pool: pg.Pool,
  id: number,
  outcome: { status: RunStatus; models?: number; rowsAffected?: number; error?: string },
): Promise<void> {
  await pool.query(
    `UPDATE cdc.marts_runs SET finished_at = now(), status = $2, models = $3, rows_affected = $4, error = $5
      WHERE id = $1`,
    [id, outcome.status, outcome.models ?? null, outcome.rowsAffected ?? null, outcome.error ?? null],
  );
}

/** A build the previous holder of the lock never finished (its process died): marked failed, not running. */
export async function closeAbandonedRuns(pool: pg.Pool): Promise<void> {
  await pool.query(
    `UPDATE cdc.marts_runs SET finished_at = now(), status = 'failed', error = 'the builder stopped during the run'
      WHERE status = 'running'`,
  );
}
