/**
 * Values PostgreSQL writes without the WAL: `ADD COLUMN ... DEFAULT` fills the existing rows from the catalog
 * (a constant: the column's missing value; a volatile default: a table rewrite), `ALTER COLUMN ... TYPE ...
 * USING` rewrites them, a rename gives raw a new column. No change event carries those rows, so raw would keep
 * NULL (or the old value) until someone ran `cdc snapshot`. The reader notices it from the relation message and
 * the catalog, and re-reads the table by itself (real reader, real sink). Each ends with raw equal to core.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const sink = new SinkFixture(reader);

const compared = (columns: string[]) => ['id', ...columns].join(', ');

async function rawRows(columns: string[]): Promise<string> {
  try {
    const { rows } = await sink.pool.query(
      `SELECT ${compared(columns)} FROM analytics_raw.items WHERE NOT _deleted ORDER BY id`,
    );
    return JSON.stringify(rows);
  } catch (error) {
    // The sink has not added the new column yet.
    if ((error as { code?: string }).code === '42703') return 'no such column yet';
    throw error;
  }
}

async function coreRows(columns: string[]): Promise<string> {
  const { rows } = await reader.owner.query(`SELECT ${compared(columns)} FROM items ORDER BY id`);
  return JSON.stringify(rows);
}

async function rawEqualsCore(columns: string[], what: string): Promise<void> {
  let raw = '';
  let core = '';
  await waitFor(
    async () => {
      [raw, core] = await Promise.all([rawRows(columns), coreRows(columns)]);
      return raw === core;
    },
    `${what}: raw equals core`,
    120_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nraw:  ${raw.slice(0, 600)}\ncore: ${core.slice(0, 600)}`);
  });
}

describe('values written without the WAL', () => {
  beforeAll(async () => {
    await reader.setUp(
      `CREATE TABLE items (id bigint PRIMARY KEY, qty integer NOT NULL, code varchar(10) NOT NULL);
       INSERT INTO items SELECT g, g, 'c' || g FROM generate_series(1, 40) AS g;`,
      [{ name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } }],
    );
    await sink.setUp();
    // Wider than core's varchar(10): the rewritten values below fit without a migration.
    await sink.createRawTable('items', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'qty', sqlType: 'integer' },
      { name: 'code', sqlType: 'text' },
    ]);
    await reader.start();
    await sink.startSink();
    await rawEqualsCore(['qty', 'code'], 'initial copy');
  }, 180_000);

  afterAll(async () => {
    await sink.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('fills a column added with a constant default', async () => {
    await reader.owner.query(`ALTER TABLE items ADD COLUMN status text NOT NULL DEFAULT 'new'`);
    // One change, so the stream describes the table again (the other rows get no event).
    await reader.owner.query('UPDATE items SET qty = qty + 1 WHERE id = 1');
    await rawEqualsCore(['qty', 'code', 'status'], 'constant default');
  }, 180_000);

  it('fills a column added with a volatile default while the reader was down', async () => {
    await reader.stop();
    await reader.owner.query(`ALTER TABLE items ADD COLUMN token text DEFAULT md5(random()::text)`);
    await reader.owner.query(`INSERT INTO items VALUES (41, 41, 'c41')`);
    await reader.start();
    await rawEqualsCore(['qty', 'code', 'status', 'token'], 'volatile default');
  }, 180_000);

  it('takes the values a type change rewrote, and a renamed column', async () => {
    await reader.owner.query(`ALTER TABLE items ALTER COLUMN code TYPE varchar(20) USING upper(code) || '!'`);
    await reader.owner.query('ALTER TABLE items RENAME COLUMN qty TO quantity');
    await reader.owner.query('UPDATE items SET quantity = quantity + 1 WHERE id = 2');
    await rawEqualsCore(['quantity', 'code', 'status', 'token'], 'type change and rename');
  }, 180_000);
});
