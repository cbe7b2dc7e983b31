/**
 * The dbt project (dbt/) against a scratch analytics database migrated like the stack's, with hand-made raw
 * rows (support/dataset.ts): `dbt build` passes (models, data tests, unit tests) and computes what a person
 * computes by hand; after a stream of changes (a bot flag, deleted events, a deleted mission, new events),
 * incremental builds driven as the marts builder drives them leave every mart equal to a `--full-refresh`
 * build on the same raw data; sqlfluff passes; `dbt docs generate` works.
 *
 * The tests share one database and run in order: each one starts from the state the previous one left.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../lib/postgres/identifiers.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { runDbt } from '../../scripts/dbt/run.ts';
import { repoRoot, stackHome } from '../../scripts/stack/topology.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { eventId, firstDay, lastDayEnd, laterEvents, rawTables } from './support/dataset.ts';
import { RawWriter } from './support/raw-writer.ts';

const martsSchema = 'analytics_marts';

/** dbt's `--event-time-*` format: a naive UTC time (it rejects `2026-11-02T00:00:00.000Z`). */
function dbtTime(time: Date): string {
  return time.toISOString().slice(0, 19);
}

const marts = [
  'campaign_daily_performance',
  'dim_campaigns',
  'dim_missions',
  'dim_partners',
  'dim_widgets',
  'fct_stat_events',
  'mission_funnel',
  'partner_daily_stats',
  'widget_daily_performance',
];

describe('dbt marts', () => {
  let database: ScratchDatabase;
  /** The sink role: owns analytics_raw, writes the raw rows. */
  let sink: pg.Pool;
  /** The analysts' read-only role: reading the marts with it also checks the grants. */
  let analyst: pg.Pool;
  let raw: RawWriter;
  /** dbt's target and log folders, private to this test (the repository's dbt/target may be in use). */
  let targetPath: string;

  async function dbt(...args: string[]): Promise<{ code: number; output: string }> {
    return runDbt({
      args: [...args, '--target-path', targetPath, '--log-path', targetPath],
      databaseUrl: database.url('DBT_DATABASE_URL'),
      threads: 4,
      venv: process.env.DBT_VENV,
      capture: true,
    });
  }

  /** Every node of the last dbt command, with its status (success / pass / warn / fail / error / skipped). */
  function lastResults(): { id: string; status: string }[] {
    const results = JSON.parse(readFileSync(path.join(targetPath, 'run_results.json'), 'utf8')) as {
      results: { unique_id: string; status: string }[];
    };
    return results.results.map((result) => ({ id: result.unique_id, status: result.status }));
  }

  /** Every mart, as its rows in a stable order (jsonb text), for whole-table comparisons. */
  async function martContents(): Promise<Record<string, string[]>> {
    const contents: Record<string, string[]> = {};
    for (const mart of marts) {
      const { rows } = await analyst.query<{ row: string }>(
        `SELECT to_jsonb(t)::text AS row FROM ${martsSchema}.${quoteIdentifier(mart)} AS t ORDER BY 1`,
      );
      contents[mart] = rows.map((row) => row.row);
    }
    return contents;
  }

  /**
   * The watermark contract (dbt/README.md): the window ends at the watermark and starts at the earliest of
   * a day before it (the builder's lookback; one day here) and the UTC day of the oldest event changed since
   * the previous build, so a late change to an old event is rebuilt too.
   */
  async function window(since: Date, watermark: string): Promise<string[]> {
    const { rows } = await sink.query<{ touched: Date | null }>(
      `SELECT date_trunc('day', min(created_at) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS touched
         FROM analytics_raw.stat_events WHERE _ingested_at >= $1`,
      [since],
    );
    const lookback = new Date(Date.parse(`${watermark}Z`) - 24 * 3600_000);
    const touched = rows[0]?.touched;
    const start = touched && touched < lookback ? touched : lookback;
    return ['--event-time-start', dbtTime(start), '--event-time-end', watermark];
  }

  async function factIds(events: number[]): Promise<string[]> {
    const { rows } = await analyst.query<{ id: string }>(
      `SELECT stat_event_id::text AS id FROM ${martsSchema}.fct_stat_events
        WHERE stat_event_id = ANY($1::uuid[]) ORDER BY 1`,
      [events.map(eventId)],
    );
    return rows.map((row) => row.id);
  }

  async function databaseNow(): Promise<Date> {
    const { rows } = await sink.query<{ now: Date }>('SELECT now() AS now');
    return rows[0]?.now as Date;
  }

  async function partnerDay(day: string, partnerId: number, role: string) {
    const { rows } = await analyst.query(
      `SELECT prints, clicks, applies, visitors, bot_events, click_through_rate::text, conversion_rate::text
         FROM ${martsSchema}.partner_daily_stats
        WHERE stat_date = $1 AND partner_id = $2 AND partner_role = $3`,
      [day, partnerId, role],
    );
    return rows[0];
  }

  beforeAll(async () => {
    database = await createScratchDatabase('dbt_marts', ['cdc_sink', 'cdc_transform']);
    const migrated = await runDbmate({
      target: 'analytics',
      url: database.url('DATABASE_URL_ANALYTICS'),
      args: ['up'],
      capture: true,
    });
    expect(migrated.code, migrated.output).toBe(0);
    sink = new pg.Pool({ connectionString: database.url('DATABASE_URL_ANALYTICS'), max: 2 });
    analyst = new pg.Pool({ connectionString: database.url('DATABASE_URL_ANALYST'), max: 2 });
    raw = new RawWriter(sink);
    for (const [table, rows] of rawTables) await raw.insert(table, rows);
    targetPath = mkdtempSync(path.join(tmpdir(), 'dbt-marts-'));
  });

  afterAll(async () => {
    await sink?.end();
    await analyst?.end();
    await database?.drop();
    if (targetPath) rmSync(targetPath, { recursive: true, force: true });
  });

  it('builds every model, passes every data and unit test, and computes the rates by hand', async () => {
    const built = await dbt('build', '--event-time-start', firstDay, '--event-time-end', lastDayEnd);
    expect(built.code, built.output).toBe(0);
    const results = lastResults();
    // Relationship tests only warn in production (cross-topic skew); on a consistent data set they pass.
    expect(results.filter((result) => !['success', 'pass'].includes(result.status))).toEqual([]);
    expect(results.filter((result) => result.id.startsWith('unit_test.')).length).toBeGreaterThanOrEqual(6);
    expect(results.filter((result) => result.id.startsWith('model.')).length).toBe(15);

    // Partner 2 as diffuser on Nov 2nd (support/dataset.ts): 5 human prints, 2 clicks, 1 apply, 1 bot print.
    expect(await partnerDay('2026-11-02', 2, 'diffuser')).toEqual({
      prints: '5',
      clicks: '2',
      applies: '1',
      visitors: '4',
      bot_events: '1',
      click_through_rate: '0.4000',
      conversion_rate: '0.5000',
    });
    // The last microsecond of Nov 1st stays on Nov 1st, midnight opens Nov 2nd.
    const { rows: days } = await analyst.query(
      `SELECT stat_event_id::text, occurred_on::text FROM ${martsSchema}.fct_stat_events
        WHERE stat_event_id = ANY($1::uuid[]) ORDER BY 1`,
      [[eventId(6), eventId(7)]],
    );
    expect(days).toEqual([
      { stat_event_id: eventId(6), occurred_on: '2026-11-01' },
      { stat_event_id: eventId(7), occurred_on: '2026-11-02' },
    ]);
    // Nothing personal reached the marts: no e-mail, ip, user agent, referer, description or free-form JSON.
    const { rows: columns } = await analyst.query<{ column_name: string }>(
      `SELECT DISTINCT column_name FROM information_schema.columns WHERE table_schema = $1`,
      [martsSchema],
    );
    const names = columns.map((column) => column.column_name);
    for (const personal of ['email', 'ip', 'user_agent', 'referer', 'user_fingerprint', 'description']) {
      expect(names).not.toContain(personal);
    }
    expect(names).not.toContain('custom_attributes');
  });

  it('after a stream of changes, the incremental marts equal a --full-refresh build on the same raw data', async () => {
    const before = await martContents();

    // Tick 1: late changes to events of Nov 2nd and 3rd (the Nov 1st batch is not rebuilt).
    const tick1 = await databaseNow();
    await raw.update('stat_events', { id: eventId(10) }, { is_bot: true }); // the bot filter, after the fact
    await raw.softDelete('stat_events', { id: eventId(14) });
    // Mission 11 deleted in the core: its events are detached (ON DELETE SET NULL), its pin goes with it.
    for (const n of [8, 9, 16]) await raw.update('stat_events', { id: eventId(n) }, { mission_id: null });
    await raw.softDelete('widget_missions', { widget_id: 20, mission_id: 11 });
    await raw.softDelete('missions', { id: 11 });
    // Every event of widget 21 on Nov 3rd deleted: its day must disappear, not linger.
    await raw.softDelete('stat_events', { id: eventId(17) });
    await raw.softDelete('stat_events', { id: eventId(18) });
    await raw.update('partners', { id: 1 }, { name: 'Association Alpha (renamed)' });
    const window1 = await window(tick1, '2026-11-04T06:00:00');
    expect(window1[1]).toBe('2026-11-02T00:00:00');
    const first = await dbt('build', ...window1);
    expect(first.code, first.output).toBe(0);

    // Tick 2: new events on Nov 3rd and 4th; the watermark (08:30 on Nov 4th) is between two of them.
    const tick2 = await databaseNow();
    await raw.insert('stat_events', laterEvents);
    const window2 = await window(tick2, '2026-11-04T08:30:00');
    expect(window2[1]).toBe('2026-11-03T00:00:00');
    const second = await dbt('build', ...window2);
    expect(second.code, second.output).toBe(0);
    expect(await factIds([20, 21])).toEqual([eventId(20)]);

    // Tick 3: nothing changed, the watermark reaches the end of Nov 4th: the event past it arrives.
    const tick3 = await databaseNow();
    const third = await dbt('build', ...(await window(tick3, lastDayEnd)));
    expect(third.code, third.output).toBe(0);
    expect(await factIds([20, 21])).toEqual([eventId(20), eventId(21)]);
    expect(lastResults().filter((result) => !['success', 'pass'].includes(result.status))).toEqual([]);

    const incremental = await martContents();
    expect(incremental).not.toEqual(before);
    expect(await partnerDay('2026-11-02', 2, 'diffuser')).toEqual({
      prints: '4',
      clicks: '2',
      applies: '0',
      visitors: '4',
      bot_events: '2',
      click_through_rate: '0.5000',
      conversion_rate: '0.0000',
    });
    const { rows: gone } = await analyst.query(
      `SELECT stat_date FROM ${martsSchema}.widget_daily_performance WHERE widget_id = 21
       UNION ALL SELECT occurred_on FROM ${martsSchema}.fct_stat_events WHERE stat_event_id = $1`,
      [eventId(14)],
    );
    expect(gone).toEqual([]);

    // From scratch over every day the data set has (a full refresh without the flags would also build the
    // empty days from marts_begin up to today, which changes nothing but the test's duration).
    const rebuilt = await dbt(
      'build',
      '--full-refresh',
      '--event-time-start',
      firstDay,
      '--event-time-end',
      lastDayEnd,
    );
    expect(rebuilt.code, rebuilt.output).toBe(0);
    const full = await martContents();
    expect(Object.keys(full).sort()).toEqual(marts);
    for (const mart of marts) expect(incremental[mart], mart).toEqual(full[mart]);
  });

  it('passes sqlfluff (postgres dialect, jinja templater)', async () => {
    const venv = process.env.DBT_VENV ?? path.join(stackHome, 'venv');
    const result = await new Promise<{ code: number; output: string }>((resolve, reject) => {
      const child = spawn(
        path.join(venv, 'bin', 'sqlfluff'),
        ['lint', 'dbt', '--nofail', '--format', 'json'],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, output }));
    });
    expect(result.code, result.output).toBe(0);
    const files = JSON.parse(result.output) as { filepath: string; violations: unknown[] }[];
    expect(files.length).toBeGreaterThan(15);
    expect(files.filter((file) => file.violations.length > 0)).toEqual([]);
  });

  it('generates the docs', async () => {
    const docs = await dbt('docs', 'generate');
    expect(docs.code, docs.output).toBe(0);
    const catalog = JSON.parse(readFileSync(path.join(targetPath, 'catalog.json'), 'utf8')) as {
      nodes: Record<string, unknown>;
    };
    expect(Object.keys(catalog.nodes)).toContain('model.cdc_marts.partner_daily_stats');
  });
});
