/**
 * Initial snapshot: a table captured for the first time is copied consistently with the stream. Rows written
 * while the copy runs are either in the copy or in the stream after it, so the topic ends with exactly the
 * table's state: nothing lost, nothing left over. The copy of the table ends with its snapshot-end events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReaderFixture } from './support/reader-fixture.ts';

const rowsBefore = 20_000;

describe('initial snapshot', () => {
  const fixture = new ReaderFixture();

  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE items (id bigint PRIMARY KEY, v integer NOT NULL, note text);
       INSERT INTO items SELECT g, 0, 'seed ' || g FROM generate_series(1, ${rowsBefore}) AS g;`,
      [{ name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } }],
    );
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('ends with exactly the table, with writes interleaved with the copy', async () => {
    let writing = true;
    let writes = 0;
    // Updates, deletes and inserts racing the copy, on their own connection.
    const writer = (async () => {
      let next = rowsBefore + 1;
      while (writing) {
        const id = 1 + ((writes * 7919) % rowsBefore);
        await fixture.owner.query(
          `WITH u AS (UPDATE items SET v = v + 1, note = 'updated' WHERE id = $1 RETURNING id)
           DELETE FROM items WHERE id = $2`,
          [id, 1 + ((writes * 104729) % rowsBefore)],
        );
        await fixture.owner.query(`INSERT INTO items VALUES ($1, 1, 'inserted') ON CONFLICT DO NOTHING`, [
          next++,
        ]);
        writes++;
      }
    })();
    await fixture.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    writing = false;
    await writer;
    expect(writes).toBeGreaterThan(0);

    const target = await fixture.currentWalLsn();
    const deadline = Date.now() + 60_000;
    while ((await fixture.confirmedFlushLsn()) < target) {
      if (Date.now() > deadline) throw new Error('the reader did not catch up within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const events = await fixture.readAll(fixture.topic('items'), 60_000, { snapshotEnds: true });
    type Read = { op?: string; after: unknown; source: { snapshot: string } } | null;
    const reads = events.filter((event) => (event.value as Read)?.op === 'r');
    const snapshotReads = reads.filter((event) => (event.value as Read)?.after);
    expect(snapshotReads.length).toBeGreaterThan(rowsBefore / 2);
    expect(new Set(snapshotReads.map((event) => (event.value as Read)?.source.snapshot))).toEqual(
      new Set(['true', 'last']),
    );
    // The table's snapshot end: one per partition, after every read of its partition.
    const ends = reads.filter((event) => !(event.value as Read)?.after);
    expect(ends.map((event) => (event.value as Read)?.source.snapshot)).toEqual(
      Array(3).fill('last_in_data_collection'),
    );
    expect(new Set(ends.map((event) => event.partition))).toEqual(new Set([0, 1, 2]));
    for (const end of ends) {
      const lastRead = snapshotReads.filter((event) => event.partition === end.partition).at(-1);
      expect(Number(end.offset)).toBeGreaterThan(Number(lastRead?.offset ?? -1));
    }

    const topicState = ReaderFixture.replay(events);
    const { rows } = await fixture.owner.query<{ id: string; v: number; note: string | null }>(
      'SELECT id::text AS id, v, note FROM items ORDER BY id',
    );
    expect(topicState.size).toBe(rows.length);
    for (const row of rows) {
      expect(topicState.get(JSON.stringify({ id: row.id }))).toEqual({
        id: BigInt(row.id),
        v: row.v,
        note: row.note,
      });
    }
  });
});

describe('interrupted initial snapshot', () => {
  const fixture = new ReaderFixture();
  const rows = 60_000;

  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE items (id bigint PRIMARY KEY, v integer NOT NULL);
       INSERT INTO items SELECT g, g % 97 FROM generate_series(1, ${rows}) AS g;`,
      [{ name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } }],
    );
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('starts the snapshot over after a crash mid-copy, and still ends with exactly the table', async () => {
    const first = fixture.start().then(
      () => 'streaming',
      () => 'failed',
    );
    // Wait until the copy is under way, then cut its connection.
    const deadline = Date.now() + 30_000;
    let killed = 0;
    while (killed === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      killed = await fixture.killBackends('cdc-reader-snapshot');
    }
    expect(killed).toBe(1);
    expect(await first).toBe('failed');
    await fixture.owner.query('UPDATE items SET v = -1 WHERE id <= 10');

    await fixture.start();
    const target = await fixture.currentWalLsn();
    while ((await fixture.confirmedFlushLsn()) < target) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const state = ReaderFixture.replay(await fixture.readAll(fixture.topic('items'), 120_000));
    expect(state.size).toBe(rows);
    expect(state.get(JSON.stringify({ id: '5' }))).toEqual({ id: 5n, v: -1 });
    expect(state.get(JSON.stringify({ id: String(rows) }))).toEqual({ id: BigInt(rows), v: rows % 97 });
  });
});
