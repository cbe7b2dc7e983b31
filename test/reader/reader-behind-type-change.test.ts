/**
 * A reader behind an `ALTER COLUMN ... TYPE` (stopped during a deploy, or after an outage) decodes each change
 * with the types of its own relation message, not with today's catalog: the changes written before the ALTER
 * are encoded with the old type's schema (the very version registered for them before), those after it with
 * the new type's. Nothing pauses, nothing is lost, and another table streams meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/names.ts';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

type Row = Record<string, unknown>;

function creates(events: DecodedEvent[]): Map<bigint, { row: Row; schemaId: number | null }> {
  const rows = new Map<bigint, { row: Row; schemaId: number | null }>();
  for (const event of events) {
    const value = event.value as { op: string; after: Row } | null;
    if (value?.op === 'c')
      rows.set(value.after.id as bigint, { row: value.after, schemaId: event.valueSchemaId });
  }
  return rows;
}

async function versions(subject: string): Promise<number[]> {
  const response = await fetch(`${requireEnv('SCHEMA_REGISTRY_URL')}/subjects/${subject}/versions`);
  return (await response.json()) as number[];
}

const fixture = new ReaderFixture();
const notificationsAbout = (table: string) =>
  fixture.notifications.filter((event) => event.key === `table:${table}`);

async function read(table: string, ids: number[]) {
  const wanted = (rows: Map<bigint, unknown>) => ids.every((id) => rows.has(BigInt(id)));
  return creates(await fixture.read(fixture.topic(table), (all) => wanted(creates(all))));
}

/** The reader is stopped while `whileStopped` runs, then started again: it is behind whatever that did. */
async function behind(whileStopped: () => Promise<void>): Promise<void> {
  await fixture.stop();
  await whileStopped();
  await fixture.start();
}

describe('a reader behind a column type change', () => {
  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE readings (id bigint PRIMARY KEY, n integer, at timestamp, label varchar(10));
       CREATE TABLE labels (id bigint PRIMARY KEY);
       CREATE TABLE codes (id bigint PRIMARY KEY, code text);
       CREATE TABLE steady (id bigint PRIMARY KEY, label text);`,
      ['readings', 'labels', 'codes', 'steady'].map((name) => ({
        name,
        source: { schema: 'public', table: name },
        destination: { table: name },
      })),
    );
    await fixture.start();
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('encodes the changes before the ALTER with the old types and their schema, those after with the new', async () => {
    await fixture.owner.query(`INSERT INTO readings VALUES (1, 1, '2026-01-01 10:00:00', 'one')`);
    const first = (await read('readings', [1])).get(1n);

    await behind(async () => {
      await fixture.owner.query(
        `INSERT INTO readings VALUES (2, 2147483647, '2026-01-02 10:00:00.000001', 'two')`,
      );
      await fixture.owner.query(
        `ALTER TABLE readings ALTER COLUMN n TYPE bigint,
           ALTER COLUMN at TYPE timestamptz USING at AT TIME ZONE 'UTC',
           ALTER COLUMN label TYPE varchar(20)`,
      );
      await fixture.owner.query(
        `INSERT INTO readings VALUES (3, 9223372036854775807, '2026-01-03 10:00:00+00', 'twenty chars exactly')`,
      );
      await fixture.owner.query(`INSERT INTO steady VALUES (1, 'meanwhile')`);
    });

    const rows = await read('readings', [1, 2, 3]);
    const steady = await read('steady', [1]);
    expect(steady.get(1n)?.row).toEqual({ id: 1n, label: 'meanwhile' });
    // Before the ALTER: integer (an Avro int, a JS number) and a wall-clock timestamp, with the first schema.
    expect(rows.get(2n)?.row).toEqual({ id: 2n, n: 2147483647, at: 1_767_348_000_000_001n, label: 'two' });
    expect(rows.get(2n)?.schemaId).toBe(first?.schemaId);
    // After it: bigint and an instant, with a second schema version.
    expect(rows.get(3n)?.row).toEqual({
      id: 3n,
      n: 9223372036854775807n,
      at: 1_767_434_400_000_000n,
      label: 'twenty chars exactly',
    });
    expect(rows.get(3n)?.schemaId).not.toBe(first?.schemaId);
    const subject = `${fixture.topic('readings')}-value`;
    expect(await versions(subject)).toEqual([1, 2]);
    const schema = (await (
      await fetch(`${requireEnv('SCHEMA_REGISTRY_URL')}/subjects/${subject}/versions/1`)
    ).json()) as { id: number };
    expect(schema.id).toBe(first?.schemaId);

    await fixture.waitForMetric('cdc_reader_table_paused', 'readings', 0);
    expect(notificationsAbout('readings')).toEqual([]);
  });

  it('sends the values of a column whose type was dropped since as their text', async () => {
    await fixture.owner.query('INSERT INTO labels VALUES (0)');
    await read('labels', [0]);

    await behind(async () => {
      await fixture.owner.query(`CREATE TYPE mood AS ENUM ('sad', 'happy')`);
      await fixture.owner.query('ALTER TABLE labels ADD COLUMN m mood, ADD COLUMN ms mood[]');
      await fixture.owner.query(`INSERT INTO labels VALUES (1, 'happy', '{sad,happy}')`);
      await fixture.owner.query('ALTER TABLE labels DROP COLUMN m, DROP COLUMN ms');
      await fixture.owner.query('DROP TYPE mood');
      await fixture.owner.query('INSERT INTO labels VALUES (2)');
      await fixture.owner.query(`INSERT INTO steady VALUES (2, 'meanwhile')`);
    });

    const rows = await read('labels', [1, 2]);
    expect((await read('steady', [2])).get(2n)?.row).toEqual({ id: 2n, label: 'meanwhile' });
    expect(rows.get(1n)?.row).toEqual({ id: 1n, m: 'happy', ms: '{sad,happy}' });
    expect(rows.get(2n)?.row).toEqual({ id: 2n });
    await fixture.waitForMetric('cdc_reader_table_paused', 'labels', 0);
    expect(notificationsAbout('labels')).toEqual([]);
  });

  it('streams the changes before an incompatible ALTER with their old type, then pauses the table for the registry', async () => {
    await fixture.owner.query(`INSERT INTO codes VALUES (1, '7')`);
    const first = (await read('codes', [1])).get(1n);

    await behind(async () => {
      await fixture.owner.query(`INSERT INTO codes VALUES (2, 'A-12')`);
      // text -> integer: BACKWARD-incompatible (an int field cannot read the strings written before).
      await fixture.owner.query('ALTER TABLE codes ALTER COLUMN code TYPE integer USING length(code)');
      await fixture.owner.query('INSERT INTO codes VALUES (3, 42)');
      await fixture.owner.query(`INSERT INTO steady VALUES (3, 'meanwhile')`);
    });

    // The change written before the ALTER is text, with the schema registered for text.
    const rows = await read('codes', [2]);
    expect(rows.get(2n)).toEqual({ row: { id: 2n, code: 'A-12' }, schemaId: first?.schemaId });
    expect((await read('steady', [3])).get(3n)?.row).toEqual({ id: 3n, label: 'meanwhile' });
    // The new type is the registry's decision, as for a reader that was not behind.
    await fixture.waitForMetric('cdc_reader_table_paused', 'codes', 1);
    expect(notificationsAbout('codes')).toMatchObject([
      { kind: 'pause', title: 'table codes paused: the registry rejected its new schema' },
    ]);
    expect(creates(await fixture.readAll(fixture.topic('codes'))).has(3n)).toBe(false);
  });
});
