import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { type CliResult, runCdc } from '../support/cdc-cli.ts';

const fixture = new ReaderFixture();

function cdc(args: string[]): Promise<CliResult> {
  return runCdc(
    ['snapshot', ...args],
    {
      DATABASE_URL_CORE: fixture.database.url('DATABASE_URL_CORE'),
      KAFKA_TOPIC_PREFIX: fixture.prefix,
      CDC_SLOT_NAME: fixture.slot,
    },
    120_000,
  );
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
