/**
 * `cdc snapshot <table>` while streaming: the table is re-read in key-ordered chunks fenced by watermarks in
 * the WAL, under concurrent inserts, updates and deletes, and the topic still ends with exactly the table's
 * state (a stale chunk row never overwrites a newer change or resurrects a deleted row). An interrupted
 * snapshot resumes from its last acknowledged chunk.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readStates,
  stateTopic,
  type TableSnapshotState,
  tableSnapshotKey,
} from '../../lib/source/reader-state.ts';
import { emitSnapshotSignal } from '../../lib/source/signals.ts';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

const fixture = new ReaderFixture();

async function snapshotState(id: string): Promise<TableSnapshotState | undefined> {
  const admin = fixture.kafka.admin();
  await admin.connect();
  try {
    const key = tableSnapshotKey(fixture.slot, 'items');
    const states = await readStates(fixture.kafka, admin, stateTopic(fixture.prefix), (k) => k === key);
    const state = states.get(key) as TableSnapshotState | undefined;
    return state?.id === id ? state : undefined;
  } finally {
    await admin.disconnect();
  }
}

async function waitForState(
  id: string,
  check: (state: TableSnapshotState) => boolean,
  timeoutMs = 90_000,
): Promise<TableSnapshotState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await snapshotState(id);
    if (state && check(state)) return state;
    if (Date.now() > deadline)
      throw new Error(`snapshot ${id}: ${JSON.stringify(state)} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function requestSnapshot(id: string): Promise<void> {
  const client = new pg.Client({ connectionString: fixture.database.url('DATABASE_URL_CORE') });
  await client.connect();
  try {
    await emitSnapshotSignal(client, { type: 'snapshot', table: 'items', id });
  } finally {
    await client.end();
  }
}

async function tableState(): Promise<Map<string, Record<string, unknown>>> {
  const { rows } = await fixture.owner.query<{ id: string; qty: number; label: string }>(
    'SELECT id::text, qty, label FROM items',
  );
  return new Map(
    rows.map((row) => [
      JSON.stringify({ id: row.id }),
      { id: BigInt(row.id), qty: row.qty, label: row.label },
    ]),
  );
}

function incrementalReads(events: DecodedEvent[]): number {
  return events.filter(
    (event) => (event.value?.source as { snapshot?: string } | undefined)?.snapshot === 'incremental',
  ).length;
}

async function caughtUp(): Promise<void> {
  const target = await fixture.currentWalLsn();
  for (let attempt = 0; attempt < 150 && (await fixture.confirmedFlushLsn()) < target; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await fixture.confirmedFlushLsn()).toBeGreaterThanOrEqual(target);
}

const json = (value: unknown) =>
  JSON.stringify(value, (_, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));

/** Keys whose replayed state differs from the table, each with the story of its events (to debug a failure). */
function differences(
  actual: Map<string, Record<string, unknown>>,
  expected: Map<string, Record<string, unknown>>,
  events: DecodedEvent[],
): string[] {
  const keys = new Set([...actual.keys(), ...expected.keys()]);
  const wrong = [...keys].filter((key) => json(actual.get(key)) !== json(expected.get(key))).slice(0, 5);
  return wrong.map((key) => {
    const story = events
      .filter((event) => json(event.key) === key)
      .sort((a, b) => Number(a.offset) - Number(b.offset))
      .map((event) => {
        const value = event.value as {
          op: string;
          after?: { qty?: number };
          source: Record<string, unknown>;
        } | null;
        if (!value) return `${event.offset}:tombstone`;
        const { snapshot, lsn, txId } = value.source;
        return `${event.offset}:${value.op}/${snapshot}/lsn=${lsn}/tx=${txId}/qty=${value.after?.qty}`;
      });
    return `${key}: table ${json(expected.get(key))}, topic ${json(actual.get(key))}; events ${story.join(' ')}`;
  });
}

describe('incremental snapshot while streaming', () => {
  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE items (id bigint PRIMARY KEY, qty integer NOT NULL, label text);
       INSERT INTO items SELECT g, g % 100, 'item ' || g FROM generate_series(1, 3000) AS g;`,
      [{ name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } }],
    );
  }, 60_000);

  afterAll(async () => {
    await fixture.tearDown();
  }, 60_000);

  it('ends with exactly the table state under concurrent inserts, updates and deletes', async () => {
    await fixture.start({ snapshotChunkRows: 100 });
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      let next = 10_000;
      while (writing) {
        // Updates spread over the whole key range, so they land inside chunk windows again and again.
        await fixture.owner.query('UPDATE items SET qty = qty + 1000, label = $2 WHERE id % 10 = $1', [
          writes % 10,
          `updated ${writes}`,
        ]);
        const doomed = Array.from({ length: 3 }, () => 1 + Math.floor(Math.random() * 3_000));
        await fixture.owner.query('DELETE FROM items WHERE id = ANY($1::bigint[])', [doomed]);
        await fixture.owner.query('INSERT INTO items VALUES ($1, 1, $2)', [
          next++,
          'inserted while snapshotting',
        ]);
        writes += 3;
      }
    })();
    await requestSnapshot('concurrent');
    const done = await waitForState('concurrent', (state) => state.status === 'done');
    writing = false;
    await writer;
    expect(writes).toBeGreaterThan(30);
    // About 30 chunks of 100 (the writer deletes faster than it inserts, so the table shrinks a little).
    expect(done.chunks).toBeGreaterThanOrEqual(20);
    await caughtUp();

    const events = await fixture.readAll(fixture.topic('items'));
    // The snapshot really read the table: rows the writer changed inside a chunk's window are dropped from it
    // (each writer round touches a tenth of the rows), more of them the slower the machine, so only half is sure.
    expect(incrementalReads(events)).toBeGreaterThan(1_500);
    const expected = await tableState();
    const actual = ReaderFixture.replay(events);
    expect(differences(actual, expected, events)).toEqual([]);
  }, 180_000);

  it('resumes an interrupted snapshot from its last acknowledged chunk', async () => {
    await fixture.owner.query(
      `INSERT INTO items SELECT g, 7, 'bulk ' || g FROM generate_series(100000, 129999) AS g`,
    );
    await fixture.stop();
    await fixture.start({ snapshotChunkRows: 50 });
    const before = incrementalReads(await fixture.readAll(fixture.topic('items')));
    await requestSnapshot('interrupted');
    const saved = await waitForState('interrupted', (state) => state.rows > 0 && state.status === 'running');
    await fixture.stop();
    await fixture.start({ snapshotChunkRows: 50 });
    const done = await waitForState('interrupted', (state) => state.status === 'done', 150_000);
    await caughtUp();

    const events = await fixture.readAll(fixture.topic('items'));
    const total = (await tableState()).size;
    const copied = incrementalReads(events) - before;
    // Every row once, plus at most what was copied after the last saved progress, not everything again.
    expect(copied).toBeGreaterThanOrEqual(total);
    expect(copied).toBeLessThan(total + (total - saved.rows));
    expect(done.rows).toBeGreaterThanOrEqual(total);
    expect(ReaderFixture.replay(events)).toEqual(await tableState());
  }, 240_000);
});
