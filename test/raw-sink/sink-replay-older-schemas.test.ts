/**
 * Replays through older writer schemas (issue 15), on the real stack. The source widens its columns
 * (integer → bigint, timestamp → timestamptz, date → timestamptz, real → double precision, varchar(10) →
 * varchar(50), numeric(8,2) → numeric(12,4), smallint → integer, uuid → text) and narrows one (bigint →
 * integer, raw keeps bigint); events are written before and after. Then:
 * - a new sink group replays the topic from its start into a raw table that already has the new types: the
 *   events of the older schema apply as they are, nothing pauses, raw equals core value for value, and no
 *   instant is shifted although the sink's sessions run in Asia/Kolkata (+05:30);
 * - a sink whose raw table still has the old types pauses on the new schema and suggests a migration that only
 *   widens and does not depend on the session: run as it is in an Asia/Kolkata session, the table resumes by
 *   itself and raw equals core;
 * - a real loss (text → integer at the source, raw migrated to integer, old text events replayed) pauses that
 *   table only, with a migration to a type both fit (text); applying it resumes the table and raw converges;
 * - a raw column widened ahead of the source while the sink runs (timestamp → timestamptz): the slice in which
 *   the sink notices (a new writer schema makes it read the table again) is decoded again for the new type.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawColumn } from '../../lib/raw/raw-table.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { requireEnv } from '../support/names.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

/** Not UTC, and not a whole number of hours: a timestamp read in the session's zone would show. */
const sinkTimeZone = 'Asia/Kolkata';

const evolvingColumns = [
  'id',
  'c_int',
  'c_ts',
  'c_day',
  'c_real',
  'c_varchar',
  'c_numeric',
  'c_small',
  'c_uuid',
  'c_narrow',
];

const oldTypes: RawColumn[] = [
  { name: 'id', sqlType: 'bigint' },
  { name: 'c_int', sqlType: 'integer' },
  { name: 'c_ts', sqlType: 'timestamp without time zone' },
  { name: 'c_day', sqlType: 'date' },
  { name: 'c_real', sqlType: 'real' },
  { name: 'c_varchar', sqlType: 'character varying(10)' },
  { name: 'c_numeric', sqlType: 'numeric(8,2)' },
  { name: 'c_small', sqlType: 'smallint' },
  { name: 'c_uuid', sqlType: 'uuid' },
  { name: 'c_narrow', sqlType: 'bigint' },
];

/** What a dbmate migration following the source's change makes of the raw table (c_narrow stays bigint). */
const newTypes: RawColumn[] = [
  { name: 'id', sqlType: 'bigint' },
  { name: 'c_int', sqlType: 'bigint' },
  { name: 'c_ts', sqlType: 'timestamp with time zone' },
  { name: 'c_day', sqlType: 'timestamp with time zone' },
  { name: 'c_real', sqlType: 'double precision' },
  { name: 'c_varchar', sqlType: 'character varying(50)' },
  { name: 'c_numeric', sqlType: 'numeric(12,4)' },
  { name: 'c_small', sqlType: 'integer' },
  { name: 'c_uuid', sqlType: 'text' },
  { name: 'c_narrow', sqlType: 'bigint' },
];

/** A connection whose session settings are pinned, so text forms compare across databases. */
async function utcSession(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    options: '-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=1',
  });
  await client.connect();
  return client;
}

/** Every row's columns in PostgreSQL's text form, read in a UTC session. */
async function textRows(url: string, table: string, columns: readonly string[]): Promise<string[][]> {
  const client = await utcSession(url);
  try {
    const list = columns.map((column) => `${column}::text`).join(', ');
    const live = table.startsWith('analytics_raw.') ? 'WHERE NOT _deleted' : '';
    const { rows } = await client.query({
      text: `SELECT ${list} FROM ${table} ${live} ORDER BY id`,
      rowMode: 'array',
    });
    return rows as string[][];
  } finally {
    await client.end();
  }
}

/** The migration a pause reason suggests (the reason ends with it), run as dbmate would: in a transaction. */
async function applySuggestedMigration(url: string, reason: string): Promise<string> {
  const [, migration] = reason.split('Migration: ');
  expect(migration, reason).toBeDefined();
  const operator = new pg.Client({ connectionString: url, options: `-c TimeZone=${sinkTimeZone}` });
  await operator.connect();
  try {
    await operator.query(`BEGIN; ${migration}; COMMIT;`);
  } finally {
    await operator.end();
  }
  return migration as string;
}

/**
 * A narrowing at the source (bigint → integer, text → integer) is not BACKWARD compatible: the reader pauses
 * the table until an operator accepts the break for the subject, with Apicurio's own API (see
 * test/reader/reader-schema-changes.test.ts). The operator does so here, as the first step of the change.
 */
async function acceptBreakingSchemas(topic: string): Promise<void> {
  const registryRoot = requireEnv('SCHEMA_REGISTRY_URL').replace(/\/apis\/ccompat\/v7\/?$/, '');
  const response = await fetch(
    `${registryRoot}/apis/registry/v3/groups/default/artifacts/${topic}-value/rules`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'NONE' }),
    },
  );
  expect(response.status).toBe(204);
}

async function tableState(fixture: SinkFixture, topic: string) {
  const { rows } = await fixture.pool.query<{ status: string; reason: string | null }>(
    'SELECT status, reason FROM cdc.table_state WHERE topic = $1',
    [topic],
  );
  return rows[0];
}

describe('replays through older schemas', () => {
  const reader = new ReaderFixture();
  const fixtures: SinkFixture[] = [];
  const coreRows = () => textRows(reader.database.url(), 'evolving', evolvingColumns);

  beforeAll(async () => {
    await reader.setUp(
      `CREATE TABLE evolving (id bigint PRIMARY KEY, c_int integer, c_ts timestamp, c_day date, c_real real,
         c_varchar varchar(10), c_numeric numeric(8,2), c_small smallint, c_uuid uuid, c_narrow bigint)`,
      [
        {
          name: 'evolving',
          source: { schema: 'public', table: 'evolving' },
          destination: { table: 'evolving' },
        },
      ],
    );
    await reader.start();
    // The source converts its own timestamps in its session's zone: UTC, as the sink reads them.
    await reader.owner.query(`SET TimeZone = 'UTC'`);
    await reader.owner.query(
      `INSERT INTO evolving VALUES
         (1, 2147483647, '2024-03-10 08:15:30.123456', '2024-02-29', 0.1, 'ten chars!', 123456.78, 32767,
          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 42),
         (2, -2147483648, 'infinity', '-infinity', 'NaN', '', -0.01, -32768,
          '00000000-0000-0000-0000-000000000000', -7),
         (3, 0, '0044-03-15 10:00:00.5 BC', '0044-03-15 BC', '-Infinity', 'x', 0, 0,
          'ffffffff-ffff-ffff-ffff-ffffffffffff', 0),
         (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    );
    // The subject exists once the first events are in.
    await reader.read(reader.topic('evolving'), (events) => events.length >= 4, 60_000);
    await acceptBreakingSchemas(reader.topic('evolving'));
    await reader.owner.query(
      `ALTER TABLE evolving ALTER COLUMN c_int TYPE bigint, ALTER COLUMN c_ts TYPE timestamptz,
         ALTER COLUMN c_day TYPE timestamptz, ALTER COLUMN c_real TYPE double precision,
         ALTER COLUMN c_varchar TYPE varchar(50), ALTER COLUMN c_numeric TYPE numeric(12,4),
         ALTER COLUMN c_small TYPE integer, ALTER COLUMN c_uuid TYPE text, ALTER COLUMN c_narrow TYPE integer`,
    );
    await reader.owner.query(
      `INSERT INTO evolving VALUES
         (10, 3000000000, '2024-06-01 12:00:00.5+02', '2024-06-01 23:30:00+00', 1e300,
          'thirty-one characters, too long', 12345678.1234, 2147483647, 'not a uuid', 2147483647);
       UPDATE evolving SET c_varchar = 'updated', c_ts = '2025-01-01 00:00:00+00' WHERE id = 3`,
    );
    await reader.read(reader.topic('evolving'), (events) => events.length >= 6, 60_000);
  }, 180_000);

  afterAll(async () => {
    for (const fixture of fixtures) await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  async function sinkInto(types: readonly RawColumn[]): Promise<SinkFixture> {
    const fixture = new SinkFixture(reader);
    fixtures.push(fixture);
    await fixture.setUp({ sessionTimeZone: sinkTimeZone });
    const { rows } = await fixture.pool.query<{ zone: string }>('SELECT current_setting($1) AS zone', [
      'TimeZone',
    ]);
    expect(rows[0]?.zone).toBe(sinkTimeZone);
    await fixture.createRawTable('evolving', types);
    await fixture.startSink();
    return fixture;
  }

  it('a new sink group replays the older schemas into the new raw types: nothing pauses, raw equals core, no instant shifted', async () => {
    const fixture = await sinkInto(newTypes);
    await waitFor(
      async () => {
        const state = await tableState(fixture, reader.topic('evolving'));
        if (state?.status === 'paused') throw new Error(`the table paused: ${state.reason}`);
        return fixture.caughtUp(reader.topic('evolving'), 6);
      },
      'the replay reaches the end of the topic',
      90_000,
    );
    expect(await tableState(fixture, reader.topic('evolving'))).toBeUndefined();
    const raw = await textRows(fixture.url, 'analytics_raw.evolving', evolvingColumns);
    expect(raw).toEqual(await coreRows());
    // Spelled out, so a shift by the session's zone cannot hide behind "equal to core".
    expect(raw.find((row) => row[0] === '1')?.slice(2, 4)).toEqual([
      '2024-03-10 08:15:30.123456+00',
      '2024-02-29 00:00:00+00',
    ]);
    expect(raw.find((row) => row[0] === '2')?.slice(2, 4)).toEqual(['infinity', '-infinity']);
  }, 180_000);

  it('a sink whose raw table has the old types pauses with a widening, session-independent migration; run as it is, the table resumes and converges', async () => {
    const fixture = await sinkInto(oldTypes);
    await waitFor(
      async () => (await tableState(fixture, reader.topic('evolving')))?.status === 'paused',
      'the table pauses on the new schema',
      90_000,
    );
    const reason = (await tableState(fixture, reader.topic('evolving')))?.reason ?? '';
    // Every column the new schema widened, to the new type; the narrowed column is not mentioned.
    for (const [column, type] of [
      ['c_int', 'bigint'],
      ['c_ts', 'timestamp with time zone'],
      ['c_day', 'timestamp with time zone'],
      ['c_real', 'double precision'],
      ['c_varchar', 'character varying(50)'],
      ['c_numeric', 'numeric(12,4)'],
      ['c_small', 'integer'],
      ['c_uuid', 'text'],
    ]) {
      expect(reason).toContain(`ALTER COLUMN "${column}" TYPE ${type} `);
    }
    expect(reason).not.toContain('c_narrow');
    expect(reason).toContain('ALTER TABLE analytics_raw."evolving"');
    // No row value in a text that goes to logs and Slack.
    for (const value of ['2147483647', 'ten chars', 'a0eebc99', '123456.78', '2024-03-10']) {
      expect(reason).not.toContain(value);
    }

    await applySuggestedMigration(fixture.url, reason);
    await waitFor(
      async () =>
        (await tableState(fixture, reader.topic('evolving')))?.status === 'active' &&
        (await fixture.caughtUp(reader.topic('evolving'), 6)),
      'the table resumes by itself and reaches the end of the topic',
      90_000,
    );
    expect(await textRows(fixture.url, 'analytics_raw.evolving', evolvingColumns)).toEqual(await coreRows());
  }, 180_000);
});

describe('a real loss on replay', () => {
  const reader = new ReaderFixture();
  const fixture = new SinkFixture(reader);

  beforeAll(async () => {
    await reader.setUp(
      `CREATE TABLE lossy (id bigint PRIMARY KEY, code text);
       CREATE TABLE steady (id bigint PRIMARY KEY, note text);`,
      [
        { name: 'lossy', source: { schema: 'public', table: 'lossy' }, destination: { table: 'lossy' } },
        { name: 'steady', source: { schema: 'public', table: 'steady' }, destination: { table: 'steady' } },
      ],
    );
    await reader.start();
    await reader.owner.query(`INSERT INTO lossy VALUES (1, '42'), (2, '7'), (3, NULL)`);
    await reader.read(reader.topic('lossy'), (events) => events.length >= 3, 60_000);
    await acceptBreakingSchemas(reader.topic('lossy'));
    await reader.owner.query('ALTER TABLE lossy ALTER COLUMN code TYPE integer USING code::integer');
    await reader.owner.query('INSERT INTO lossy VALUES (4, 1000); UPDATE lossy SET code = 43 WHERE id = 1');
    await reader.read(reader.topic('lossy'), (events) => events.length >= 5, 60_000);
    await fixture.setUp({ sessionTimeZone: sinkTimeZone });
    // The raw table was migrated to the source's new type before this sink group replays the topic.
    await fixture.createRawTable('lossy', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'code', sqlType: 'integer' },
    ]);
    await fixture.createRawTable('steady', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'note', sqlType: 'text' },
    ]);
    await fixture.startSink();
  }, 180_000);

  afterAll(async () => {
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('pauses that table only, suggests a type both fit (never a narrowing), and resumes once it is applied', async () => {
    await waitFor(
      async () => (await tableState(fixture, reader.topic('lossy')))?.status === 'paused',
      'lossy pauses on the old text events',
      90_000,
    );
    await reader.owner.query(`INSERT INTO steady VALUES (1, 'still flowing')`);
    await waitFor(
      () => fixture.caughtUp(reader.topic('steady'), 1),
      'steady keeps flowing while lossy is paused',
    );
    const reason = (await tableState(fixture, reader.topic('lossy')))?.reason ?? '';
    expect(reason).toContain(
      'ALTER TABLE analytics_raw."lossy" ALTER COLUMN "code" TYPE text USING "code"::text',
    );
    expect(reason).not.toMatch(/TYPE integer/);

    await applySuggestedMigration(fixture.url, reason);
    await waitFor(
      async () =>
        (await tableState(fixture, reader.topic('lossy')))?.status === 'active' &&
        (await fixture.caughtUp(reader.topic('lossy'), 5)),
      'lossy resumes by itself and reaches the end of the topic',
      90_000,
    );
    expect(await textRows(fixture.url, 'analytics_raw.lossy', ['id', 'code'])).toEqual(
      await textRows(reader.database.url(), 'lossy', ['id', 'code']),
    );
  }, 180_000);
});

describe('a raw column widened ahead of the source while the sink runs', () => {
  const reader = new ReaderFixture();
  const fixture = new SinkFixture(reader);

  beforeAll(async () => {
    await reader.setUp('CREATE TABLE ahead (id bigint PRIMARY KEY, at timestamp)', [
      { name: 'ahead', source: { schema: 'public', table: 'ahead' }, destination: { table: 'ahead' } },
    ]);
    await reader.start();
    await fixture.setUp({ sessionTimeZone: sinkTimeZone });
    await fixture.createRawTable('ahead', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'at', sqlType: 'timestamp without time zone' },
    ]);
    await fixture.startSink(); // it reads the raw table now: `at` is a timestamp
  }, 180_000);

  afterAll(async () => {
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('decodes the slice again for the new type once a new writer schema makes the sink notice', async () => {
    const operator = await utcSession(fixture.url);
    try {
      await operator.query(
        `ALTER TABLE analytics_raw.ahead ALTER COLUMN at TYPE timestamptz USING at AT TIME ZONE 'UTC'`,
      );
    } finally {
      await operator.end();
    }
    // One transaction, one key: a change under the old schema, then one under a schema with a new column,
    // whose reconciliation reads the raw table again (and finds `at` is a timestamptz now).
    await reader.owner.query(
      `BEGIN;
       INSERT INTO ahead VALUES (1, '2024-03-10 08:15:30.123456');
       ALTER TABLE ahead ADD COLUMN note text;
       UPDATE ahead SET note = 'noticed' WHERE id = 1;
       COMMIT;`,
    );
    await reader.read(reader.topic('ahead'), (events) => events.length >= 2, 60_000);
    await waitFor(() => fixture.caughtUp(reader.topic('ahead'), 2), 'the sink reaches the end of the topic');
    expect(await textRows(fixture.url, 'analytics_raw.ahead', ['id', 'at', 'note'])).toEqual([
      ['1', '2024-03-10 08:15:30.123456+00', 'noticed'],
    ]);
  }, 180_000);
});
