/**
 * The marts builder against a real analytics database, Kafka and dbt (a two-model fixture project): it builds
 * micro-batched facts up to the consistent watermark only, records every run, never runs two builds at once
 * (two builders, one lock), and reports a failing model with dbt's message, then recovers on a later tick.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/index.ts';
import type { NotifyEvent } from '../../lib/notify/index.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { MartsBuilder, type MartsBuilderOptions } from '../../services/marts-builder/builder.ts';
import { createBuilderMetrics } from '../../services/marts-builder/metrics.ts';
import { consistentWatermark } from '../../services/marts-builder/watermark.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { requireEnv, uniqueName } from '../support/names.ts';

const projectDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixture-project');
const kafka = new Kafka({
  clientId: 'builder-test',
  brokers: requireEnv('KAFKA_BROKERS').split(','),
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const topic = uniqueName('builder').replaceAll('_', '-');
const group = uniqueName('builder-sink');
let analytics: ScratchDatabase;
let pool: pg.Pool;
const reports: string[] = [];

const transformUrl = () =>
  analytics.url(process.env.DBT_DATABASE_URL ? 'DBT_DATABASE_URL' : 'DATABASE_URL_ANALYTICS');

/** Reads what dbt built, as dbt's role (the marts schemas are its own). */
async function asTransform<Row extends pg.QueryResultRow>(sql: string): Promise<pg.QueryResult<Row>> {
  const client = new pg.Client({ connectionString: transformUrl() });
  await client.connect();
  try {
    return await client.query<Row>(sql);
  } finally {
    await client.end();
  }
}

function builder(overrides: Partial<MartsBuilderOptions> = {}): MartsBuilder {
  return new MartsBuilder({
    pool,
    admin,
    sinkGroupId: group,
    topics: [topic],
    dbt: {
      databaseUrl: analytics.url(
        process.env.DBT_DATABASE_URL ? 'DBT_DATABASE_URL' : 'DATABASE_URL_ANALYTICS',
      ),
      threads: 2,
      venv: process.env.DBT_VENV,
      projectDir,
    },
    tickMs: 1_000,
    maxBackoffMs: 8_000,
    window: {
      begin: new Date('2026-09-01T00:00:00Z'),
      lookbackHours: 72,
      fullRebuildHours: 24,
      eventTimeSources: [{ table: 'fixture_events', column: 'happened_at' }],
    },
    logger: createLogger({ service: 'builder-test', level: 'silent' }),
    metrics: createBuilderMetrics(new Registry()),
    report: (error, context) => reports.push(`${context.failingNode}: ${(error as Error).message}`),
    ...overrides,
  });
}

/** The sink's cursor for the topic's one partition: caught up at `next`, newest applied commit `committedAt`. */
async function cursor(next: number, committedAt: string): Promise<void> {
  await pool.query(
    `INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset, source_committed_at)
     VALUES ($1, $2, 0, $3, $4)
     ON CONFLICT (consumer_group, topic, partition) DO UPDATE
       SET next_offset = EXCLUDED.next_offset, source_committed_at = EXCLUDED.source_committed_at`,
    [group, topic, next, committedAt],
  );
}

describe('marts builder', () => {
  beforeAll(async () => {
    analytics = await createScratchDatabase('marts_builder', ['cdc_sink', 'cdc_transform']);
    const url = analytics.url('DATABASE_URL_ANALYTICS');
    const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(`CREATE TABLE analytics_raw.fixture_events (id bigint PRIMARY KEY, happened_at timestamptz NOT NULL, _ingested_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO analytics_raw.fixture_events (id, happened_at) VALUES
        (1, '2026-11-18 10:00+00'), (2, '2026-11-18 11:00+00'), (3, '2026-11-19 09:00+00'), (4, '2026-11-20 12:00+00');`);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
  }, 120_000);

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await pool?.end();
    await analytics?.drop();
  }, 60_000);

  it('skips until the sink has applied something, then builds facts up to the watermark only', async () => {
    const skipped = await builder().buildOnce();
    expect(skipped).toMatchObject({ status: 'skipped' });

    // The flaky model's source exists: the whole project builds.
    await pool.query(
      'CREATE TABLE analytics_raw.fixture_switch (switch_on boolean); INSERT INTO analytics_raw.fixture_switch VALUES (true)',
    );
    // Caught up, newest applied change committed 2026-11-19 15:00: the 20th is past the watermark.
    await cursor(2, '2026-11-19 15:00+00');
    const built = await builder().buildOnce();
    expect(built, JSON.stringify(built)).toMatchObject({ status: 'success' });
    const { rows } = await asTransform<{ day: string; events: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, events::int FROM analytics.fixture_daily ORDER BY 1`,
    );
    expect(rows).toEqual([
      { day: '2026-11-18', events: 2 },
      { day: '2026-11-19', events: 1 },
    ]);
    const { rows: runs } = await pool.query<{ status: string; watermark: Date }>(
      'SELECT status, watermark FROM cdc.marts_runs ORDER BY id',
    );
    expect(runs.map((run) => run.status)).toEqual(['skipped', 'success']);
    expect(runs[1]?.watermark.toISOString()).toBe('2026-11-19T15:00:00.000Z');
  }, 180_000);

  it('never runs two builds at once', async () => {
    const outcomes = await Promise.all([builder().buildOnce(), builder().buildOnce()]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['skipped', 'success']);
  }, 180_000);

  it("reports a failing model with dbt's message, backs off, and a later tick recovers", async () => {
    await pool.query('DROP TABLE analytics_raw.fixture_switch');
    const alerts: NotifyEvent[] = [];
    const running = builder({
      notifier: { notify: (event) => alerts.push(event), close: async () => undefined },
      alertAfterFailures: 1,
    });
    const failed = await running.buildOnce();
    expect(failed).toMatchObject({ status: 'failed', failingNode: 'model.builder_fixture.fixture_flaky' });
    expect(failed.status === 'failed' && failed.error).toMatch(/fixture_switch/);
    expect(reports.at(-1)).toContain('model.builder_fixture.fixture_flaky');
    expect(running.nextDelayMs()).toBe(2_000);
    const { rows } = await pool.query<{ status: string; error: string }>(
      'SELECT status, error FROM cdc.marts_runs ORDER BY id DESC LIMIT 1',
    );
    expect(rows[0]?.status).toBe('failed');
    expect(rows[0]?.error).toContain('fixture_flaky');
    expect(alerts).toMatchObject([
      {
        kind: 'failure',
        key: 'marts.build',
        fields: { failing: 'model.builder_fixture.fixture_flaky', 'consecutive failures': 1 },
      },
    ]);
    expect(alerts[0]?.detail).toMatch(/fixture_switch/);

    await pool.query('CREATE TABLE analytics_raw.fixture_switch (switch_on boolean)');
    running.start();
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { rows: latest } = await pool.query<{ status: string }>(
          `SELECT status FROM cdc.marts_runs WHERE status <> 'running' ORDER BY id DESC LIMIT 1`,
        );
        if (latest[0]?.status === 'success') break;
        if (Date.now() > deadline) throw new Error('no successful build within 120 s after the fix');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await running.stop();
    }
    expect(running.nextDelayMs()).toBe(1_000);
    expect(alerts.map((alert) => alert.kind)).toEqual(['failure', 'recovery']);
    expect(alerts[1]).toMatchObject({ key: 'marts.build', fields: { 'failed builds': 1 } });
  }, 240_000);

  it('holds the watermark at the newest change applied from a partition the sink is behind on', async () => {
    const lagging = uniqueName('lagging');
    const ends = [
      { partition: 0, low: '0', high: '10', offset: '10' },
      { partition: 1, low: '0', high: '7', offset: '7' },
      { partition: 2, low: '0', high: '0', offset: '0' }, // never written: does not count
    ];
    const fakeAdmin = { fetchTopicOffsets: async () => ends };
    await pool.query(
      `INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset, source_committed_at)
       VALUES ($1, $2, 0, 10, '2026-11-21 12:00+00'), ($1, $2, 1, 5, '2026-11-21 11:30+00')`,
      [group, lagging],
    );
    const behind = await consistentWatermark(pool, fakeAdmin, group, [lagging]);
    expect(behind.at?.toISOString()).toBe('2026-11-21T11:30:00.000Z');
    expect(behind.partitions.map((partition) => partition.caughtUp)).toEqual([true, false]);

    await pool.query(
      `UPDATE cdc.consumer_offsets SET next_offset = 7, source_committed_at = '2026-11-21 11:45+00'
        WHERE consumer_group = $1 AND topic = $2 AND partition = 1`,
      [group, lagging],
    );
    // Both caught up: complete up to the newest change applied anywhere.
    const caughtUp = await consistentWatermark(pool, fakeAdmin, group, [lagging]);
    expect(caughtUp.at?.toISOString()).toBe('2026-11-21T12:00:00.000Z');
  });
});
