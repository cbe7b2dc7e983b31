/**
 * The whole pipeline on the demo domain: core (the real core schema and connectors) → reader → Kafka → sink →
 * analytics_raw → marts builder (the real dbt project). A click inserted, an event flagged as a bot and an
 * event deleted in core show in the partner's daily statistics within two builder ticks of the change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allConnectors } from '../../connectors/index.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { repoRoot } from '../../scripts/stack/topology.ts';
import { MartsBuilder } from '../../services/marts-builder/builder.ts';
import { createBuilderMetrics } from '../../services/marts-builder/metrics.ts';
import { SinkFixture, waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);
let builder: MartsBuilder | undefined;
const admin = reader.kafka.admin();

/** The core schema as the core migrations build it (their "up" halves, tables and types only). */
function coreSchema(): string {
  const directory = path.join(repoRoot, 'db', 'core', 'migrations');
  return readdirSync(directory)
    .filter((file) => /create_/.test(file))
    .sort()
    .map((file) => readFileSync(path.join(directory, file), 'utf8').split('-- migrate:down')[0] as string)
    .join('\n');
}

const transformUrl = () =>
  (fixture.analytics as NonNullable<typeof fixture.analytics>).url(
    process.env.DBT_DATABASE_URL ? 'DBT_DATABASE_URL' : 'DATABASE_URL_ANALYTICS',
  );

async function partnerClicks(partnerId: number): Promise<{ clicks: number; prints: number } | undefined> {
  const client = new pg.Client({ connectionString: transformUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ clicks: number; prints: number }>(
      `SELECT sum(clicks)::int AS clicks, sum(prints)::int AS prints FROM analytics_marts.partner_daily_stats
        WHERE partner_id = $1 AND partner_role = 'diffuser'`,
      [partnerId],
    );
    return rows[0]?.clicks === null ? undefined : rows[0];
  } catch {
    return undefined; // not built yet
  } finally {
    await client.end();
  }
}

async function successfulBuildsSince(id: number): Promise<number> {
  const { rows } = await fixture.pool.query<{ count: string }>(
    `SELECT count(*) FROM cdc.marts_runs WHERE id > $1 AND status = 'success'`,
    [id],
  );
  return Number(rows[0]?.count);
}

async function lastRunId(): Promise<number> {
  const { rows } = await fixture.pool.query<{ id: string | null }>(
    'SELECT max(id)::text AS id FROM cdc.marts_runs',
  );
  return Number(rows[0]?.id ?? 0);
}

describe('marts: a change in core reaches the marts within two builder ticks', () => {
  beforeAll(async () => {
    await reader.setUp(coreSchema(), [...allConnectors]);
    await reader.owner.query(`
      INSERT INTO partners (name, is_announcer, is_diffuser) VALUES ('Announcer', true, false), ('Diffuser', false, true);
      INSERT INTO missions (publisher_id, client_id, title, domain) VALUES (1, 'm-1', 'Mission', 'environnement');
      INSERT INTO stat_events (type, source, from_publisher_id, to_publisher_id, mission_id)
        SELECT 'print', 'api', 2, 1, 1 FROM generate_series(1, 10);
      INSERT INTO stat_events (type, source, from_publisher_id, to_publisher_id, mission_id)
        VALUES ('click', 'api', 2, 1, 1);`);
    await fixture.setUp();
    await reader.start();
    await fixture.startSink();
    await admin.connect();
    builder = new MartsBuilder({
      pool: fixture.pool,
      admin,
      sinkGroupId: fixture.groupId,
      topics: reader.connectors.map((connector) => reader.topic(connector.source.table)),
      dbt: { databaseUrl: transformUrl(), threads: 4, venv: process.env.DBT_VENV },
      tickMs: 2_000,
      maxBackoffMs: 10_000,
      window: {
        begin: new Date('2026-09-01T00:00:00Z'),
        lookbackHours: 72,
        fullRebuildHours: 24,
        eventTimeSources: [{ table: 'stat_events', column: 'created_at' }],
      },
      logger: createLogger({ service: 'marts-test', level: process.env.MARTS_TEST_LOG ?? 'silent' }),
      metrics: createBuilderMetrics(new Registry()),
      report: () => undefined,
    });
    builder.start();
  }, 180_000);

  afterAll(async () => {
    await builder?.stop();
    await admin.disconnect();
    await fixture.tearDown();
    await reader.tearDown();
  }, 180_000);

  it('an insert, an update and deletes show in partner_daily_stats within two builds', async () => {
    await waitFor(
      async () => (await partnerClicks(2))?.clicks === 1,
      'the first build with the initial events',
      240_000,
    );
    expect(await partnerClicks(2)).toEqual({ clicks: 1, prints: 10 });

    // Insert a click, turn a print into a click, delete two prints: committed now, so in the marts within two
    // builds from here.
    const before = await lastRunId();
    await reader.owner.query(`
      INSERT INTO stat_events (type, source, from_publisher_id, to_publisher_id, mission_id)
        VALUES ('click', 'api', 2, 1, 1);
      UPDATE stat_events SET type = 'click' WHERE id = (SELECT id FROM stat_events WHERE type = 'print' LIMIT 1);
      DELETE FROM stat_events WHERE id IN (SELECT id FROM stat_events WHERE type = 'print' LIMIT 2);`);
    await waitFor(
      async () => JSON.stringify(await partnerClicks(2)) === JSON.stringify({ clicks: 3, prints: 7 }),
      'the insert and the deletes in the mart',
      240_000,
    );
    // The mart is visible before its run is recorded as finished: wait for the record.
    await waitFor(async () => {
      const { rows } = await fixture.pool.query(`SELECT 1 FROM cdc.marts_runs WHERE status = 'running'`);
      return rows.length === 0;
    }, 'the run that built it recorded');
    const builds = await successfulBuildsSince(before);
    expect(builds).toBeGreaterThanOrEqual(1);
    expect(builds).toBeLessThanOrEqual(2);
  }, 600_000);
});
