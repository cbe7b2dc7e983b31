/**
 * The demo's marts step: waits for the marts builder's builds (cdc.marts_runs), prints the partners' daily
 * statistics, then shows a mart updating: a few clicks inserted in core for one diffuser appear in
 * `analytics_marts.partner_daily_stats` after the next builds, and disappear again once deleted.
 */
import pg from 'pg';
import { PipelineError } from '../../lib/errors/index.ts';

export interface MartsBuild {
  id: number;
  watermark: Date;
  models: number;
  seconds: number;
}

/** The next successful build that started after run `afterId` and whose watermark reaches `notBefore`. */
export async function waitForMartsBuild(
  analytics: pg.Pool,
  afterId: number,
  notBefore: Date,
  timeoutMs = 180_000,
): Promise<MartsBuild> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await analytics.query<{
      id: string;
      status: string;
      watermark: Date;
      models: number;
      seconds: number;
      error: string | null;
    }>(
      `SELECT id::text, status, watermark, models, extract(epoch FROM finished_at - started_at)::float8 AS seconds, error
         FROM cdc.marts_runs WHERE id > $1 AND status IN ('success', 'failed') ORDER BY id`,
      [afterId],
    );
    const failed = rows.find((row) => row.status === 'failed');
    if (failed) throw new PipelineError('COMMAND_FAILED', `marts build ${failed.id} failed: ${failed.error}`);
    const built = rows.find((row) => row.watermark >= notBefore);
    if (built)
      return {
        id: Number(built.id),
        watermark: built.watermark,
        models: built.models,
        seconds: built.seconds,
      };
    if (Date.now() > deadline) {
      throw new PipelineError(
        'COMMAND_FAILED',
        `no marts build reached ${notBefore.toISOString()} within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function lastRunId(analytics: pg.Pool): Promise<number> {
  const { rows } = await analytics.query<{ id: string | null }>(
    'SELECT max(id)::text AS id FROM cdc.marts_runs',
  );
  return Number(rows[0]?.id ?? 0);
}

export interface PartnerDay {
  partner: string;
  prints: number;
  clicks: number;
  applies: number;
  ctr: string;
  conversion: string;
}

/** Today's busiest diffusers, as an analyst reads them (the analyst role). */
export async function busiestDiffusers(
  analyst: pg.Pool,
  limit = 5,
): Promise<(PartnerDay & { id: number })[]> {
  const { rows } = await analyst.query<PartnerDay & { id: string }>(
    `SELECT s.partner_id::text AS id, p.partner_name AS partner, s.prints, s.clicks, s.applies,
            coalesce(to_char(s.click_through_rate * 100, 'FM990.0') || ' %', '-') AS ctr,
            coalesce(to_char(s.conversion_rate * 100, 'FM990.0') || ' %', '-') AS conversion
       FROM analytics_marts.partner_daily_stats s
       JOIN analytics_marts.dim_partners p USING (partner_id)
      WHERE s.partner_role = 'diffuser' AND s.stat_date = (now() AT TIME ZONE 'UTC')::date
      ORDER BY s.prints DESC, s.partner_id LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

export async function diffuserClicksToday(analyst: pg.Pool, partnerId: number): Promise<number> {
  const { rows } = await analyst.query<{ clicks: number }>(
    `SELECT coalesce(sum(clicks), 0)::int AS clicks FROM analytics_marts.partner_daily_stats
      WHERE partner_role = 'diffuser' AND partner_id = $1 AND stat_date = (now() AT TIME ZONE 'UTC')::date`,
    [partnerId],
  );
  return rows[0]?.clicks ?? 0;
}

/** Clicks for a diffuser, on the mission of its latest event; returns their ids. */
export async function insertDemoClicks(core: pg.Pool, diffuserId: number, count: number): Promise<string[]> {
  const { rows } = await core.query<{ id: string }>(
    `WITH model AS (
       SELECT to_publisher_id, mission_id FROM stat_events
        WHERE from_publisher_id = $1 ORDER BY created_at DESC LIMIT 1
     )
     INSERT INTO stat_events (type, source, from_publisher_id, to_publisher_id, mission_id, is_bot)
     SELECT 'click', 'api', $1, model.to_publisher_id, model.mission_id, false
       FROM model, generate_series(1, $2)
     RETURNING id::text`,
    [diffuserId, count],
  );
  return rows.map((row) => row.id);
}

export async function deleteDemoClicks(core: pg.Pool, ids: readonly string[]): Promise<void> {
  await core.query('DELETE FROM stat_events WHERE id = ANY($1::uuid[])', [ids]);
}

/** Polls the mart (bounded) until the diffuser's clicks today equal `expected`; returns the seconds it took. */
export async function waitForClicks(
  analyst: pg.Pool,
  partnerId: number,
  expected: number,
  timeoutMs = 120_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await diffuserClicksToday(analyst, partnerId)) === expected) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) {
      throw new PipelineError(
        'COMMAND_FAILED',
        `partner ${partnerId}'s clicks did not reach ${expected} in the mart`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The demo's marts step, with the builder running: first build, the busiest diffusers, a mart updating. */
export async function showMarts(core: pg.Pool, analyticsUrl: string, analystUrl: string): Promise<void> {
  const analytics = new pg.Pool({ connectionString: analyticsUrl, max: 2 });
  const analyst = new pg.Pool({ connectionString: analystUrl, max: 2 });
  try {
    const first = await waitForMartsBuild(
      analytics,
      await lastRunId(analytics),
      new Date(Date.now() - 5_000),
    );
    console.log(
      `    build ${first.id}: ${first.models} models in ${first.seconds.toFixed(1)} s, complete up to ${first.watermark.toISOString()}`,
    );
    const top = await busiestDiffusers(analyst);
    console.log('    analytics_marts.partner_daily_stats, today, busiest diffusers:');
    console.log(
      `      ${'partner'.padEnd(28)} ${'prints'.padStart(7)} ${'clicks'.padStart(7)} ${'applies'.padStart(8)} ${'CTR'.padStart(8)} ${'conv.'.padStart(8)}`,
    );
    for (const row of top) {
      console.log(
        `      ${row.partner.slice(0, 28).padEnd(28)} ${String(row.prints).padStart(7)} ${String(row.clicks).padStart(7)} ${String(row.applies).padStart(8)} ${row.ctr.padStart(8)} ${row.conversion.padStart(8)}`,
      );
    }
    const diffuser = top[0];
    if (!diffuser) return;
    const before = await diffuserClicksToday(analyst, diffuser.id);
    const ids = await insertDemoClicks(core, diffuser.id, 5);
    const up = await waitForClicks(analyst, diffuser.id, before + ids.length);
    console.log(
      `    ${ids.length} clicks for "${diffuser.partner}" inserted in core: the mart shows ${before} → ${before + ids.length} clicks after ${up.toFixed(1)} s`,
    );
    await deleteDemoClicks(core, ids);
    const down = await waitForClicks(analyst, diffuser.id, before);
    console.log(`    the same clicks deleted in core: back to ${before} after ${down.toFixed(1)} s`);
  } finally {
    await analytics.end();
    await analyst.end();
  }
}
