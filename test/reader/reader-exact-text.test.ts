/**
 * Values PostgreSQL accepts but a field's typed branch cannot hold never stop the stream (issue 15): arrays of
 * another shape than their column declares and timestamps after Avro's range reach Kafka exactly, as
 * `cdc.PgText` with PostgreSQL's own text; a value that still cannot be mapped (a key beyond its Avro type)
 * pauses its table alone, with a log line naming the column and the fix, a metric and an alert. Meanwhile
 * another table streams on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgTextValue } from '../../lib/avro/index.ts';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

type Row = Record<string, unknown>;

function createdRows(events: DecodedEvent[]): Map<bigint, Row> {
  const rows = new Map<bigint, Row>();
  for (const event of events) {
    const value = event.value as { op: string; after: Row } | null;
    if (value?.op === 'c') rows.set(value.after.id as bigint, value.after);
  }
  return rows;
}

const fixture = new ReaderFixture();

/** PostgreSQL's own text of a column of a row, as the reader's session prints it (TimeZone UTC). */
async function coreText(table: string, column: string, id: number): Promise<string> {
  const { rows } = await fixture.owner.query<{ text: string }>(
    `SELECT ${column}::text AS text FROM ${table} WHERE id = $1`,
    [id],
  );
  return rows[0]?.text as string;
}

/** Inserts into the other table and waits for its row: it streams while the case under test runs. */
async function streamsMeanwhile(id: number): Promise<void> {
  await fixture.owner.query('INSERT INTO steady VALUES ($1, $2)', [id, `row ${id}`]);
  const rows = createdRows(
    await fixture.read(fixture.topic('steady'), (all) => createdRows(all).has(BigInt(id))),
  );
  expect(rows.get(BigInt(id))).toEqual({ id: BigInt(id), label: `row ${id}` });
}

describe('values beyond their typed branch', () => {
  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE grids (id bigint PRIMARY KEY, ints integer[], words text[], grid integer[][]);
       CREATE TABLE moments (id bigint PRIMARY KEY, at timestamp, at_tz timestamptz, ats timestamptz[]);
       CREATE TABLE events (at timestamp PRIMARY KEY, note text);
       CREATE TYPE public."timestamp" AS (a integer, b text);
       CREATE TABLE shadowed (id bigint PRIMARY KEY, stamps public."timestamp"[]);
       CREATE TABLE steady (id bigint PRIMARY KEY, label text);`,
      ['grids', 'moments', 'events', 'shadowed', 'steady'].map((name) => ({
        name,
        source: { schema: 'public', table: name },
        destination: { table: name },
      })),
    );
    await fixture.owner.query(`SET TimeZone = 'UTC'`);
    await fixture.start();
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('sends an array of another shape than declared as its exact text, one of the declared shape as an array', async () => {
    await fixture.owner.query(
      `INSERT INTO grids VALUES
         (1, '{{1,2},{3,4}}', '{a,b}', '{{1,2},{3,4}}'),
         (2, '[0:1]={7,8}', '[-2:-1]={"x,y",NULL}', '[0:0][1:2]={{5,6}}'),
         (3, '{5,NULL}', '{{a},{b}}', '{1,2}'),
         (4, '{}', '{}', '{}')`,
    );
    await streamsMeanwhile(1);
    const rows = createdRows(await fixture.read(fixture.topic('grids'), (all) => createdRows(all).size >= 4));
    const exact = async (id: number, column: string) => new PgTextValue(await coreText('grids', column, id));
    expect(rows.get(1n)).toEqual({
      id: 1n,
      ints: await exact(1, 'ints'),
      words: ['a', 'b'],
      grid: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(rows.get(1n)?.ints).toBeInstanceOf(PgTextValue);
    expect((rows.get(1n)?.ints as PgTextValue | undefined)?.text).toBe('{{1,2},{3,4}}');
    expect(rows.get(2n)).toEqual({
      id: 2n,
      ints: await exact(2, 'ints'),
      words: await exact(2, 'words'),
      grid: await exact(2, 'grid'),
    });
    expect((rows.get(2n)?.ints as PgTextValue | undefined)?.text).toBe('[0:1]={7,8}');
    expect(rows.get(3n)).toEqual({
      id: 3n,
      ints: [5, null],
      words: await exact(3, 'words'),
      grid: await exact(3, 'grid'),
    });
    expect(rows.get(4n)).toEqual({ id: 4n, ints: [], words: [], grid: [] });
  });

  it('sends a timestamp after Avro 64-bit microseconds (year 294250) as its exact text', async () => {
    await fixture.owner.query(
      `INSERT INTO moments VALUES
         (1, '294250-01-01 00:00:00', '294250-06-01 12:00:00.5+02',
             '{"294250-01-01 00:00:00+00","2026-01-01 00:00:00+00"}'),
         (2, '294246-12-31 23:59:59.999999', '2026-01-01 00:00:00+00', '{"2026-01-01 00:00:00+00",infinity}'),
         (3, 'infinity', '-infinity', NULL)`,
    );
    await streamsMeanwhile(2);
    const rows = createdRows(
      await fixture.read(fixture.topic('moments'), (all) => createdRows(all).size >= 3),
    );
    expect(rows.get(1n)).toEqual({
      id: 1n,
      at: new PgTextValue('294250-01-01 00:00:00'),
      at_tz: new PgTextValue('294250-06-01 10:00:00.5+00'),
      ats: new PgTextValue(await coreText('moments', 'ats', 1)),
    });
    expect(rows.get(1n)?.at).toBeInstanceOf(PgTextValue);
    expect(rows.get(2n)).toEqual({
      id: 2n,
      at: 9_223_371_244_799_999_999n, // checked: extract(epoch ...) * 1e6 in PostgreSQL
      at_tz: 1_767_225_600_000_000n,
      ats: [1_767_225_600_000_000n, 'infinity'],
    });
    expect(rows.get(3n)).toEqual({ id: 3n, at: 'infinity', at_tz: '-infinity', ats: null });
  });

  it('maps the elements of a user type named like a built-in one as their text', async () => {
    await fixture.owner.query(
      `INSERT INTO shadowed VALUES (1, ARRAY[ROW(1, 'a')::public."timestamp", ROW(NULL, 'b "c"')::public."timestamp"])`,
    );
    await streamsMeanwhile(5);
    const rows = createdRows(
      await fixture.read(fixture.topic('shadowed'), (all) => createdRows(all).has(1n)),
    );
    expect(rows.get(1n)).toEqual({ id: 1n, stamps: ['(1,a)', '(,"b ""c""")'] });
  });

  it('pauses only the table of a value that still cannot be mapped (a key beyond its Avro type)', async () => {
    const topic = fixture.topic('events');
    await fixture.owner.query(`INSERT INTO events VALUES ('294250-01-01 00:00:00', 'far away')`);
    const afterChange = await fixture.currentWalLsn();
    await fixture.owner.query(`INSERT INTO events VALUES ('2026-01-01 00:00:00', 'held too')`);
    await streamsMeanwhile(3);
    await fixture.waitForMetric('cdc_reader_table_paused', 'events', 1);
    await streamsMeanwhile(4);

    const line = fixture.logs.find(
      (log) => log.msg === 'a value cannot be mapped: table paused (the other tables stream on)',
    );
    expect(line).toMatchObject({
      level: 50,
      table: 'events',
      topic,
      column: 'at',
      type: 'timestamp without time zone',
      err: { code: 'DECODE_FAILED' },
    });
    const message = (line?.err as { message?: string } | undefined)?.message;
    expect(message).toContain('beyond the range of a 64-bit microsecond timestamp');
    expect(message).toContain('declare a key without at in connector events');
    expect(message).toContain('upgrade the reader');
    // Never the value, in any log line.
    expect(JSON.stringify(fixture.logs)).not.toMatch(/294250|far away/);
    expect(fixture.notifications).toMatchObject([
      {
        kind: 'pause',
        key: 'table:events',
        title: 'table events paused: one of its values cannot be mapped',
      },
    ]);

    // Nothing of it went out, and nothing from its transaction on is confirmed: the slot holds it.
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // several status intervals
    expect(await fixture.confirmedFlushLsn()).toBeLessThan(afterChange);
    expect(createdRows(await fixture.readAll(topic)).size).toBe(0);
  });
});
