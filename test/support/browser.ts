/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download: the system package is the
 * browser). Every test that opens one closes it in a `finally` or an `afterEach`: `close()` is idempotent.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts its launcher; CHROMIUM_PATH overrides. */
export const chromiumCandidates = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/lib/chromium/chromium',
];

export function findChromium(): string {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override} does not exist`);
    return override;
  }
  const found = chromiumCandidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `Chromium not found (looked for ${chromiumCandidates.join(', ')}): install the Debian package \`chromium\` ` +
        '(apt-get install --no-install-recommends chromium) or set CHROMIUM_PATH',
    );
  }
  return found;
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions of the page, in order. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: findChromium(),
    headless: true,
    // Tests run as root in containers, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const pageErrors: string[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await browser.close();
  };
  try {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));
    return { browser, page, pageErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}
