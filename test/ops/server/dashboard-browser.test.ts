/**
 * The dashboard in a real browser (Debian's Chromium, headless): the page loads the history, follows the
 * event stream, shows the source's values in its tiles, charts and tables, and says when it is disconnected.
 * Waits go through attribute selectors (this project compiles without the DOM library).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logging/index.ts';
import type { OpsServer } from '../../../lib/observability/ops-server.ts';
import { Sampler } from '../../../services/ops/server/sampler.ts';
import { startDashboardServer } from '../../../services/ops/server/server.ts';
import { type BrowserSession, openBrowser } from '../../support/browser.ts';
import { scriptedSource } from './fixtures.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const resultsDir = fileURLToPath(new URL('../../../test-results/', import.meta.url));
const charts = ['consumer-lag', 'slot-lag', 'latency', 'rates', 'dlq', 'marts-freshness'];
const tileValues = ['tile-consumer-lag-value', 'tile-slot-lag-value', 'tile-marts-freshness-value'];

/** What the fixture's step n shows (fixtures.ts): total lag 1,234 + 200 n, slot lag 1.5 (n + 1) KiB. */
function expectedAt(step: number): Record<string, string> {
  const kib = 1.5 * (step + 1);
  return {
    'tile-consumer-lag-value': (1_234 + 200 * step).toLocaleString('en-US'),
    'tile-slot-lag-value': `${new Intl.NumberFormat('en-US', { maximumFractionDigits: kib < 10 ? 2 : 1 }).format(kib)} KiB`,
    'tile-marts-freshness-value': `1 min ${String(35 + step).padStart(2, '0')} s`,
  };
}

/** The tiles' texts read in one go: the page may redraw between two separate reads. */
function readTiles(page: Page): Promise<Record<string, string>> {
  return page.evaluate<Record<string, string>>(
    `Object.fromEntries(${JSON.stringify(tileValues)}.map((id) =>
      [id, document.querySelector('[data-testid="' + id + '"]')?.textContent ?? '']))`,
  );
}

const samplesShown = async (page: Page) => Number(await page.locator('body').getAttribute('data-samples'));
const connection = (page: Page, status: string) =>
  page.locator(`[data-testid="connection-status"][data-status="${status}"]`);

describe('lag dashboard in Chromium', () => {
  let session: BrowserSession | undefined;
  let server: OpsServer | undefined;
  let sampler: Sampler | undefined;
  afterEach(async () => {
    await session?.close();
    await sampler?.stop();
    await server?.close();
    session = undefined;
    server = undefined;
    sampler = undefined;
  });

  async function start(port = 0) {
    const registry = new Registry();
    sampler ??= new Sampler({ source: scriptedSource({ live: true }), logger, intervalMs: 400 });
    server = await startDashboardServer({ sampler, registry, host: '127.0.0.1', port });
    sampler.start();
    return `http://127.0.0.1:${server.port}/`;
  }

  it('shows the live state: tiles, charts, partitions, and each new sample', async () => {
    const url = await start();
    session = await openBrowser();
    const { page } = session;
    const testId = (id: string) => page.getByTestId(id);
    await page.goto(url);

    await testId('tile-consumer-lag-value').filter({ hasText: /\d/ }).waitFor();
    const tiles = await readTiles(page);
    const lagText = tiles['tile-consumer-lag-value'] ?? '';
    const step = (Number(lagText.replaceAll(',', '')) - 1_234) / 200;
    expect(Number.isInteger(step) && step >= 0, `consumer lag tile shows ${lagText}`).toBe(true);
    expect(tiles).toEqual(expectedAt(step));
    expect(await testId('tile-latency-p99-value').textContent()).toMatch(/^\d(\.\d+)? s$/);
    await connection(page, 'live').waitFor();

    for (const chart of charts) {
      const canvas = testId(`chart-${chart}`).locator('canvas').first();
      await canvas.waitFor();
      const box = await canvas.boundingBox();
      expect(box?.width, chart).toBeGreaterThan(100);
      expect(box?.height, chart).toBeGreaterThan(50);
    }

    const firstUpdate = await testId('last-update').getAttribute('datetime');
    await expect.poll(() => testId('last-update').getAttribute('datetime')).not.toBe(firstUpdate);
    await expect.poll(() => testId('tile-consumer-lag-value').textContent()).not.toBe(lagText);
    await expect.poll(() => testId('rate-reader').textContent()).toMatch(/^[\d,.]+\/s$/);
    expect(await samplesShown(page)).toBeGreaterThanOrEqual(2);

    const rows = testId('partition-row');
    expect(await rows.count()).toBe(3);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['cdc-raw-sink', 'core.public.clicks', '0', '5,000']);
    expect(await rows.nth(2).locator('td').nth(7).textContent()).toBe('—'); // no Kafka commit: unknown, not 0
    expect(await testId('dlq-row').count()).toBe(1);
    expect(await testId('snapshot-row').count()).toBe(1);

    // The fixture alternates ok and warn: catch a warn to see the failing check with its hint.
    await page.locator('[data-testid="overall-level"][data-level="warn"]').waitFor();
    expect(await testId('check-item').first().textContent()).toContain('is the reader keeping up?');
    await mkdir(resultsDir, { recursive: true });
    await page.screenshot({ path: `${resultsDir}dashboard.png`, fullPage: true });
    expect(session.pageErrors).toEqual([]);
  });

  it('says it is disconnected when the server goes away, and catches up when it is back', async () => {
    const url = await start();
    const port = server?.port ?? 0;
    session = await openBrowser();
    const { page } = session;
    await page.goto(url);
    await connection(page, 'live').waitFor();
    await server?.close();
    await connection(page, 'disconnected').waitFor();
    expect(await page.getByTestId('connection-status').textContent()).toMatch(/disconnected · retrying in/);
    await mkdir(resultsDir, { recursive: true });
    await page.screenshot({ path: `${resultsDir}dashboard-disconnected.png` });
    const before = await samplesShown(page);

    await start(port);
    await connection(page, 'live').waitFor({ timeout: 20_000 });
    await expect.poll(() => samplesShown(page), { timeout: 10_000 }).toBeGreaterThan(before);
    // Only the refused connections while the server was down may be reported.
    const unexpected = session.pageErrors.filter(
      (error) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(error),
    );
    expect(unexpected).toEqual([]);
  });
});
