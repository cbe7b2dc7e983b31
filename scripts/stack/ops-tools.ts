/**
 * The operations tools the tests drive, from Debian packages: Chromium (the lag dashboard is tested in a real
 * browser, through playwright-core with the system executable) and promtool (the Prometheus alert rules are
 * checked and unit-tested). Not servers: they only need installing, and their health is that they run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { commandExists, ensureDebianPackage } from './install.ts';
import { layout } from './layout.ts';
import type { Service } from './service.ts';

const tools = [
  { binary: 'chromium', pkg: 'chromium' },
  { binary: 'promtool', pkg: 'prometheus' },
] as const;

export function createOpsTools(): Service {
  return {
    name: 'ops-tools',
    address: tools.map((tool) => tool.binary).join(', '),
    port: undefined,
    logFile: layout.installLog,
    // One after the other: apt holds a lock.
    async install() {
      for (const tool of tools) await ensureDebianPackage(tool.binary, tool.pkg);
    },
    installed: () => tools.every((tool) => commandExists(tool.binary)),
    async health() {
      const missing = tools.filter((tool) => !commandExists(tool.binary));
      if (missing.length > 0) {
        return {
          ok: false,
          detail: `missing: ${missing.map((tool) => `${tool.binary} (Debian ${tool.pkg})`).join(', ')}`,
        };
      }
      try {
        const { stdout } = await promisify(execFile)('promtool', ['--version'], { timeout: 10_000 });
        return { ok: true, detail: `chromium, ${stdout.split('\n')[0]?.trim() ?? 'promtool'}` };
      } catch (error) {
        return { ok: false, detail: `promtool does not run: ${(error as Error).message}` };
      }
    },
  };
}
