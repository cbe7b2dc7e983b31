/**
 * A streaming reader whose state store is fenced (another reader of the slot opened its own, as a reader that
 * took over the lease does) while an incremental snapshot runs: its next progress write is refused, never
 * retried, and its run ends at once with the FENCED error; the progress the new writer recorded stays the
 * latest.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readStates,
  requestedTableSnapshot,
  stateTopic,
  type TableSnapshotState,
  tableSnapshotKey,
} from '../../lib/source/reader-state.ts';
import { ReaderStateStore } from '../../lib/source/reader-state-store.ts';
import { emitSnapshotSignal } from '../../lib/source/signals.ts';
import { ReaderFixture } from './support/reader-fixture.ts';

const fixture = new ReaderFixture();

async function snapshotState(): Promise<TableSnapshotState | undefined> {
  const admin = fixture.kafka.admin();
  await admin.connect();
  try {
    const key = tableSnapshotKey(fixture.slot, 'items');
    const states = await readStates(fixture.kafka, admin, stateTopic(fixture.prefix), (k) => k === key);
    return states.get(key) as TableSnapshotState | undefined;
  } finally {
    await admin.disconnect();
  }
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a reader fenced while it streams', () => {
  let store: ReaderStateStore | undefined;

  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL);
       INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 40000) AS g;`,
      [{ name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } }],
    );
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await fixture.tearDown();
  }, 60_000);

  it('has its snapshot progress refused and its run ended with FENCED', async () => {
    await fixture.start({ snapshotChunkRows: 50 });
    const client = new pg.Client({ connectionString: fixture.database.url('DATABASE_URL_CORE') });
    await client.connect();
    try {
      await emitSnapshotSignal(client, { type: 'snapshot', table: 'items', id: 'before-takeover' });
    } finally {
      await client.end();
    }
    // Progress is saved about once a second while the chunks go out.
    await until(async () => {
      const state = await snapshotState();
      return state?.id === 'before-takeover' && state.rows > 0 ? state : undefined;
    }, 'the first progress');

    store = await ReaderStateStore.open({
      kafka: fixture.kafka,
      topic: stateTopic(fixture.prefix),
      slot: fixture.slot,
    });
    const successor = requestedTableSnapshot('after-takeover', 'items');
    await store.writeTableSnapshot(successor);

    const failure = (await fixture.failure(30_000)) as { code?: string; message?: string };
    expect(failure.code).toBe('FENCED');
    expect(failure.message).toMatch(/another reader took over slot/);
    // What the fenced reader would have saved since never became the state.
    await store.close();
    store = await ReaderStateStore.open({
      kafka: fixture.kafka,
      topic: stateTopic(fixture.prefix),
      slot: fixture.slot,
    });
    expect(await snapshotState()).toMatchObject({ id: 'after-takeover', rows: 0 });
  }, 180_000);
});
