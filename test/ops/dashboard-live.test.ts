/**
 * The lag dashboard in Chromium against a running pipeline: the real reader and raw sink in this process
 * (their /metrics served on local ports), the real state collector pointed at their databases, slot, topic
 * and group, the sampler and the dashboard server. Inserts run in a loop while the page is read: end offsets
 * grow, the sink's rate and commit-to-raw latency appear, and stopping the sink shows consumer lag building up
 * until it is back and caught up. Waits go through attribute selectors (no DOM library in this project).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/index.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { type OpsServer, startOpsServer } from '../../lib/observability/ops-server.ts';
import { createStateSource, type StateSource } from '../../services/ops/pipeline-state/source.ts';
import { Sampler } from '../../services/ops/server/sampler.ts';
import { startDashboardServer } from '../../services/ops/server/server.ts';
import { createSinkMetrics } from '../../services/raw-sink/metrics.ts';
import type { RawSink } from '../../services/raw-sink/sink.ts';
import { SinkFixture } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { type BrowserSession, openBrowser } from '../support/browser.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);
const logger = createLogger({ service: 'dashboard-live-test', level: 'silent' });
const resultsDir = fileURLToPath(new URL('../../test-results/', import.meta.url));
const sinkRegistry = new Registry();
const sinkMetrics = createSinkMetrics(sinkRegistry);
const alwaysOk = () => ({ ok: true, detail: 'test' });

/** Inserts a few clicks every few milliseconds until stopped: the live traffic the page should follow. */
function clickTraffic(): { stop: () => Promise<number> } {
  let running = true;
  let inserted = 0;
  const loop = (async () => {
    while (running) {
      await reader.owner.query(
        `INSERT INTO clicks (page) SELECT '/page/' || g FROM generate_series(1, 5) AS g`,
      );
      inserted += 5;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return inserted;
    },
  };
}

interface PartitionRow {
  topic: string;
  partition: number;
  cells: string[];
}

/** The partitions table, read in one go (the page may redraw between two separate reads). */
function readPartitions(page: Page): Promise<PartitionRow[]> {
  return page.evaluate<PartitionRow[]>(
    `[...document.querySelectorAll('[data-testid="partition-row"]')].map((row) => ({
      topic: row.dataset.topic,
      partition: Number(row.dataset.partition),
      cells: [...row.querySelectorAll('td')].map((cell) => cell.textContent),
    }))`,
  );
}

/** A count or rate as the page formats it ("1,234", "12.5/s"); NaN for the "unknown" dash. */
const numberIn = (text: string | null | undefined) => Number((text ?? '').replaceAll(/[,/s]/g, ''));
const endOffsetColumn = 4;
const lagColumn = 5;
const samplesShown = async (page: Page) => Number(await page.locator('body').getAttribute('data-samples'));
const endOffsets = async (page: Page) =>
  (await readPartitions(page)).reduce((sum, row) => sum + numberIn(row.cells[endOffsetColumn]), 0);

describe('lag dashboard against a live pipeline', () => {
  const servers: OpsServer[] = [];
  let source: (StateSource & { close(): Promise<void> }) | undefined;
  let sampler: Sampler | undefined;
  let session: BrowserSession | undefined;
  let traffic: ReturnType<typeof clickTraffic> | undefined;
  let sink: RawSink | undefined;
  let dashboardUrl = '';

  beforeAll(async () => {
    await reader.setUp(
      `CREATE TABLE clicks (id bigserial PRIMARY KEY, page text NOT NULL, clicked_at timestamptz NOT NULL DEFAULT now());`,
      [{ name: 'clicks', source: { schema: 'public', table: 'clicks' }, destination: { table: 'clicks' } }],
    );
    await fixture.setUp();
    await fixture.createRawTable('clicks', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'page', sqlType: 'text' },
      { name: 'clicked_at', sqlType: 'timestamptz' },
    ]);
    await reader.start();
    sink = await fixture.startSink({ metrics: sinkMetrics });

    // The services' /metrics, as the collector scrapes them in a deployment. The reader's registry is the one
    // of its current run (replaced at each start), so it is served after the start.
    const metricsServer = (registry: Registry) =>
      startOpsServer({ registry, host: '127.0.0.1', port: 0, liveness: alwaysOk, readiness: alwaysOk });
    const readerMetrics = await metricsServer(reader.metricsRegistry);
    servers.push(readerMetrics);
    const sinkMetricsServer = await metricsServer(sinkRegistry);
    servers.push(sinkMetricsServer);

    const loaded = loadConfig(
      ['coreDatabase', 'analyticsDatabase', 'kafka', 'replication', 'sink', 'health'],
      {
        envFiles: false,
        env: {
          ...process.env,
          DATABASE_URL_CORE: reader.database.url('DATABASE_URL_CORE'),
          DATABASE_URL_ANALYTICS: fixture.url,
          KAFKA_TOPIC_PREFIX: reader.prefix,
          CDC_SLOT_NAME: reader.slot,
          SINK_GROUP_ID: fixture.groupId,
        },
      },
    );
    const config = {
      ...loaded,
      health: {
        ...loaded.health,
        scrape: {
          reader: [`http://127.0.0.1:${readerMetrics.port}/metrics`],
          sink: [`http://127.0.0.1:${sinkMetricsServer.port}/metrics`],
          marts: [], // no marts builder in this test
        },
      },
    };
    // The fixture's table is not one of the project's connectors: its topic is given explicitly.
    source = await createStateSource(config, logger, {
      topics: [reader.topic('clicks')],
      applicationName: 'dashboard-live-test',
    });
    sampler = new Sampler({ source, logger, intervalMs: 1_000 });
    const dashboard = await startDashboardServer({
      sampler,
      registry: new Registry(),
      host: '127.0.0.1',
      port: 0,
    });
    servers.push(dashboard);
    sampler.start();
    dashboardUrl = `http://127.0.0.1:${dashboard.port}/`;
    traffic = clickTraffic();
  }, 120_000);

  afterAll(async () => {
    await traffic?.stop().catch(() => undefined);
    await session?.close().catch(() => undefined);
    await sampler?.stop();
    for (const server of servers) await server.close();
    await source?.close();
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('follows the running pipeline, and shows consumer lag while the sink is stopped', async () => {
    session = await openBrowser({ viewport: { width: 1400, height: 900 } });
    const { page } = session;
    const testId = (id: string) => page.getByTestId(id);
    await page.goto(dashboardUrl);
    await page.locator('[data-testid="connection-status"][data-status="live"]').waitFor();

    // The fixture's topic, partition by partition, in the sink's group; end offsets growing with the traffic.
    const topic = reader.topic('clicks');
    await expect
      .poll(async () => (await readPartitions(page)).map((row) => `${row.topic}/${row.partition}`), {
        timeout: 20_000,
      })
      .toEqual([`${topic}/0`, `${topic}/1`, `${topic}/2`]);
    expect((await readPartitions(page)).every((row) => row.cells[0] === fixture.groupId)).toBe(true);
    await expect.poll(() => endOffsets(page), { timeout: 20_000 }).toBeGreaterThan(0);
    const firstEnds = await endOffsets(page);
    await expect.poll(() => endOffsets(page), { timeout: 20_000 }).toBeGreaterThan(firstEnds);

    // The stages' rates, the sink's commit-to-raw latency (scraped from its /metrics) and the overall verdict.
    await expect
      .poll(async () => numberIn(await testId('rate-sink').textContent()), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => numberIn(await testId('rate-reader').textContent()), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => testId('tile-latency-p99-value').textContent(), { timeout: 20_000 })
      .toMatch(/^[\d,.]+ (ms|s)$|^\d+ min \d\d s$/);
    expect(await testId('overall-level').getAttribute('data-level')).toMatch(/^(ok|warn|fail)$/);
    const canvas = testId('chart-consumer-lag').locator('canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(box?.height).toBeGreaterThan(50);
    // A few seconds of history, so the screenshot's charts show lines rather than points.
    await expect.poll(() => samplesShown(page), { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    await mkdir(resultsDir, { recursive: true });
    await page.screenshot({ path: `${resultsDir}dashboard-live.png`, fullPage: true });

    // The sink stops while the inserts go on: its cursor stands still and the page shows the lag building up.
    if (sink) await fixture.stopSink(sink);
    sink = undefined;
    const lagTile = () => testId('tile-consumer-lag-value').textContent();
    await expect.poll(async () => numberIn(await lagTile()), { timeout: 20_000 }).toBeGreaterThan(0);
    const lagging = numberIn(await lagTile());
    await expect.poll(async () => numberIn(await lagTile()), { timeout: 20_000 }).toBeGreaterThan(lagging);
    const behind = await readPartitions(page);
    expect(behind.some((row) => numberIn(row.cells[lagColumn]) > 0)).toBe(true);
    await page
      .locator('[data-testid="check-item"][data-level="fail"]', {
        hasText: `no sink is consuming group ${fixture.groupId}`,
      })
      .waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${resultsDir}dashboard-live-sink-stopped.png`, fullPage: true });

    // Back, with the traffic over: it catches up and the page says so.
    const inserted = await traffic?.stop();
    traffic = undefined;
    expect(inserted).toBeGreaterThan(100);
    sink = await fixture.startSink({ metrics: sinkMetrics });
    await expect.poll(lagTile, { timeout: 30_000 }).toBe('0');
    expect(await readPartitions(page)).toHaveLength(3);
    expect(session.pageErrors).toEqual([]);
  }, 90_000);
});
