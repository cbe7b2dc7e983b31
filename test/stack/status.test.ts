/**
 * The running stack, as `npm run stack -- status --json` reports it. The stack is brought up by the global test
 * set-up (test/setup/stack.ts) or by CI before the tests; this test never stops it, since other tests share it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';

interface StatusEntry {
  service: string;
  pid: number | null;
  healthy: boolean;
  detail: string;
  logFile: string;
}

describe('stack status --json', () => {
  it('reports every service healthy, each server with a live pid of its own', async () => {
    const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['scripts/stack/main.ts', 'status', '--json'], {
      cwd: repoRoot,
      timeout: 30_000,
    });
    const entries = JSON.parse(stdout) as StatusEntry[];
    expect(entries.map((entry) => entry.service)).toEqual([
      'postgres',
      'kafka',
      'registry',
      'dbt-venv',
      'ops-tools',
    ]);
    for (const entry of entries) {
      expect(entry.healthy, `${entry.service}: ${entry.detail}`).toBe(true);
      if (entry.service === 'dbt-venv' || entry.service === 'ops-tools') continue;
      expect(entry.pid).toBeTypeOf('number');
      expect(fs.existsSync(`/proc/${entry.pid}`), `${entry.service} pid ${entry.pid} is alive`).toBe(true);
      expect(fs.existsSync(entry.logFile)).toBe(true);
    }
  });
});
