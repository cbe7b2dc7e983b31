/**
 * The event-time window `[start, end)` a build passes to dbt (`--event-time-start/--event-time-end`). Every
 * micro-batch in it is recomputed from raw; batches outside it are left as they are. So:
 * - end: the consistent watermark, rounded up to the whole second dbt accepts (a row in raw created before it
 *   was committed no later than the watermark, so its transaction is complete);
 * - start, the earliest of:
 *   - the beginning (`MARTS_BEGIN`) on the first build and every `MARTS_FULL_REBUILD_HOURS` (changes to
 *     dimensions, a mission deleted months after its events, reach every fact that way);
 *   - the day of the oldest event changed since the previous successful build (a late bot flag, a deleted old
 *     event), found by `_ingested_at` in the raw event tables;
 *   - end minus `MARTS_LOOKBACK_HOURS`.
 */
import type pg from 'pg';
import { quoteIdentifier } from '../../lib/postgres/index.ts';

export interface EventTimeSource {
  /** A raw table holding events, and the column dbt uses as their event time. */
  table: string;
  column: string;
}

export interface WindowSettings {
  begin: Date;
  lookbackHours: number;
  fullRebuildHours: number;
  eventTimeSources: readonly EventTimeSource[];
}

export interface BuildWindow {
  start: Date;
  end: Date;
  /** Why the start is where it is: `begin` (first or periodic full rebuild), `changed-events` or `lookback`. */
  reason: 'begin' | 'changed-events' | 'lookback';
}

/** `table.column,table.column` (MARTS_EVENT_TIME_SOURCES). */
export function parseEventTimeSources(text: string): EventTimeSource[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [table, column, ...rest] = entry.split('.');
      if (!table || !column || rest.length > 0) throw new Error(`"${entry}" is not table.column`);
      return { table, column };
    });
}

const dayOf = (time: Date) =>
  new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));

export async function buildWindow(
  pool: pg.Pool,
  watermark: Date,
  settings: WindowSettings,
): Promise<BuildWindow> {
  const end = new Date(Math.ceil(watermark.getTime() / 1000) * 1000);
  const { rows } = await pool.query<{ started_at: Date | null; full_at: Date | null }>(
    `SELECT max(started_at) FILTER (WHERE status = 'success') AS started_at,
            max(started_at) FILTER (WHERE status = 'success' AND full_rebuild) AS full_at
       FROM cdc.marts_runs`,
  );
  const lastSuccess = rows[0]?.started_at ?? undefined;
  const lastFull = rows[0]?.full_at ?? undefined;
  const fullDue =
    !lastSuccess || !lastFull || Date.now() - lastFull.getTime() > settings.fullRebuildHours * 3600_000;
  if (fullDue) return { start: settings.begin, end, reason: 'begin' };
  let start = new Date(end.getTime() - settings.lookbackHours * 3600_000);
  let reason: BuildWindow['reason'] = 'lookback';
  // A few minutes of overlap: a row ingested just before the previous build started was maybe not in it.
  const since = new Date(lastSuccess.getTime() - 5 * 60_000);
  for (const source of settings.eventTimeSources) {
    const { rows: oldest } = await pool.query<{ oldest: Date | null }>(
      `SELECT min(${quoteIdentifier(source.column)}) AS oldest FROM analytics_raw.${quoteIdentifier(source.table)}
        WHERE _ingested_at >= $1`,
      [since],
    );
    const changed = oldest[0]?.oldest;
    if (changed && dayOf(changed) < start) {
      start = dayOf(changed);
      reason = 'changed-events';
    }
  }
  if (start < settings.begin) start = settings.begin;
  return { start, end, reason };
}
