/**
 * `cdc snapshot <table>` against a running reader: the request goes through the WAL, the reader copies the
 * table in chunks while streaming, and the command follows the progress to the end (exit 0). A table no
 * connector captures is a usage error (exit 64) naming the table.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';

const fixture = new ReaderFixture();

function cdc(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // node with the tsx loader (not the tsx CLI, whose own node child a kill would leave running).
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'services/ops/cli/main.ts'), 'snapshot', ...args],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          DATABASE_URL_CORE: fixture.database.url('DATABASE_URL_CORE'),
          KAFKA_TOPIC_PREFIX: fixture.prefix,
          CDC_SLOT_NAME: fixture.slot,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('cdc snapshot', () => {
  beforeAll(async () => {
    // `partners` is a connector of the catalogue the CLI knows (connectors/); the fixture captures a table of
    // that name in its scratch database.
    await fixture.setUp(
      `CREATE TABLE partners (id bigint PRIMARY KEY, name text);
       INSERT INTO partners SELECT g, 'partner ' || g FROM generate_series(1, 5000) AS g;`,
      [
        {
          name: 'partners',
          source: { schema: 'public', table: 'partners' },
          destination: { table: 'partners' },
        },
      ],
    );
    await fixture.start({ snapshotChunkRows: 500 });
  }, 60_000);

  afterAll(async () => {
    await fixture.tearDown();
  }, 60_000);

  it('asks the running reader through the WAL and follows its progress to the end', async () => {
    const result = await cdc(['public.partners', '--timeout', '100']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Requested an incremental snapshot of partners/);
    expect(result.stdout).toMatch(/partners {2}\[#{30}\] 100% {2}5,000 \/ 5,000 rows {2}done/);
    expect(result.stdout).toMatch(/partners: 5,000 rows in 11 chunks/);
    const events = await fixture.readAll(fixture.topic('partners'));
    const incremental = events.filter(
      (event) => (event.value?.source as { snapshot?: string } | undefined)?.snapshot === 'incremental',
    );
    expect(incremental).toHaveLength(5_000);
  }, 150_000);

  it('refuses a table no connector captures, naming it', async () => {
    const result = await cdc(['public.nope']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('no connector captures public.nope');
  }, 60_000);
});
