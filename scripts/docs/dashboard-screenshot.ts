/**
 * `npx tsx scripts/docs/dashboard-screenshot.ts [url] [--out file]`: the README's picture of the lag
 * dashboard. Opens a running dashboard (the argument, else OPS_DASHBOARD_URL, else the demo's address) in
 * headless Chromium at 1400x900, waits until it shows live data, and writes docs/images/dashboard.png.
 * Refuses to write a picture of a page that reported errors or never got a state: a broken screenshot in the
 * docs is worse than none. Chromium is Debian's package (CHROMIUM_PATH overrides), as in the browser tests.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { PipelineError } from '../../lib/errors/index.ts';
import { runMain } from '../../lib/runtime/index.ts';
import { repoRoot } from '../stack/topology.ts';

const usage = 'usage: npx tsx scripts/docs/dashboard-screenshot.ts [dashboard URL] [--out file.png]';
const defaultUrl = 'http://127.0.0.1:9190/';
const defaultOut = path.join(repoRoot, 'docs', 'images', 'dashboard.png');
const viewport = { width: 1400, height: 900 };
/** Two samples at least: the rates are differences between successive samples. */
const minimumSamples = 2;
const waitMs = 60_000;
const chromiumCandidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

function chromiumPath(): string {
  const found = process.env.CHROMIUM_PATH ?? chromiumCandidates.find((candidate) => existsSync(candidate));
  if (!found || !existsSync(found)) {
    throw new PipelineError(
      'COMMAND_FAILED',
      `Chromium not found (${found ?? chromiumCandidates.join(', ')}): install the Debian package \`chromium\` or set CHROMIUM_PATH`,
    );
  }
  return found;
}

function dashboardUrl(argument: string | undefined): string {
  const raw = argument ?? process.env.OPS_DASHBOARD_URL ?? defaultUrl;
  try {
    return new URL(raw).toString();
  } catch {
    throw new PipelineError('INVALID_ARGUMENT', `not a URL: ${raw}\n${usage}`);
  }
}

await runMain('dashboard-screenshot', async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' } },
  });
  if (positionals.length > 1) throw new PipelineError('INVALID_ARGUMENT', usage);
  const url = dashboardUrl(positionals[0]);
  const out = path.resolve(values.out ?? defaultOut);

  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Containers run this as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport });
    const pageErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));

    await page.goto(url).catch((error: unknown) => {
      throw new PipelineError('COMMAND_FAILED', `cannot open ${url}: is the ops service running?`, {
        cause: error,
      });
    });
    // Live, a verdict shown, and enough history for every tile and chart (attribute selectors: no DOM types).
    await page.locator('[data-testid="connection-status"][data-status="live"]').waitFor({ timeout: waitMs });
    await page
      .locator('[data-testid="overall-level"]:not([data-level="unknown"])')
      .waitFor({ timeout: waitMs });
    await page.waitForFunction(`Number(document.body.dataset.samples) >= ${minimumSamples}`, undefined, {
      timeout: waitMs,
    });
    await page.locator('[data-testid="chart-consumer-lag"] canvas').first().waitFor({ timeout: waitMs });
    if (pageErrors.length > 0) {
      throw new PipelineError('COMMAND_FAILED', `the page reported errors:\n${pageErrors.join('\n')}`);
    }
    await mkdir(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    const shown = path.relative(process.cwd(), out);
    console.log(
      `wrote ${shown.startsWith('..') ? out : shown} (${viewport.width}x${viewport.height}, ${url})`,
    );
  } finally {
    await browser.close();
  }
  return 0;
});
