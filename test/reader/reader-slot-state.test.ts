/**
 * The initial snapshot can never be skipped: the slot's state in the state topic is bound to the slot it
 * describes (snapshot/slot-start.ts, slot-preparation.ts). A state write that fails right after the slot is
 * created, a slot made outside the pipeline (no state at all), and a state that describes another slot all end
 * with every row that existed before the slot in the topic.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { readStates, stateTopic, tableSnapshotKey } from '../../lib/source/reader-state.ts';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

const rowsBefore = 300;
const connectors = [
  { name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } },
];
const ddl = `CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL);
  INSERT INTO items SELECT g, 'before the slot ' || g FROM generate_series(1, ${rowsBefore}) AS g;`;

type Stored = {
  status?: string;
  snapshot?: string;
  instance?: string;
  consistentPoint?: string;
  tables?: string[];
};

const fixtures: ReaderFixture[] = [];

async function scenario(): Promise<ReaderFixture> {
  const fixture = new ReaderFixture();
  fixtures.push(fixture);
  await fixture.setUp(ddl, connectors);
  return fixture;
}

afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.tearDown();
});

/** The slot's latest state in the state topic, raw (as any version wrote it). */
async function slotStateOf(fixture: ReaderFixture): Promise<Stored | undefined> {
  const admin = fixture.kafka.admin();
  await admin.connect();
  try {
    const states = await readStates(
      fixture.kafka,
      admin,
      stateTopic(fixture.prefix),
      (key) => key === fixture.slot,
    );
    return states.get(fixture.slot) as Stored | undefined;
  } finally {
    await admin.disconnect();
  }
}

/** Polls the state (a commit's markers land just after the write returned) until `check` holds, bounded. */
async function waitForSlotState(
  fixture: ReaderFixture,
  check: (state: Stored | undefined) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Stored | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await slotStateOf(fixture);
    if (check(state)) return state;
    if (Date.now() > deadline) throw new Error(`${what}: the slot state is ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function waitForTableSnapshotDone(fixture: ReaderFixture): Promise<void> {
  const key = tableSnapshotKey(fixture.slot, 'items');
  const admin = fixture.kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const states = await readStates(fixture.kafka, admin, stateTopic(fixture.prefix), (k) => k === key);
      if ((states.get(key) as { status?: string } | undefined)?.status === 'done') return;
      if (Date.now() > deadline)
        throw new Error(`incremental snapshot not done: ${JSON.stringify(states.get(key))}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  } finally {
    await admin.disconnect();
  }
}

async function slotExists(fixture: ReaderFixture): Promise<boolean> {
  const { rows } = await fixture.owner.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
    fixture.slot,
  ]);
  return rows.length === 1;
}

/** As an operator would (the reader role may manage its slots; the table owner may not). */
async function asReader(fixture: ReaderFixture, sql: string, values: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: fixture.database.url('DATABASE_URL_CORE') });
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}

async function caughtUp(fixture: ReaderFixture): Promise<void> {
  const target = await fixture.currentWalLsn();
  const deadline = Date.now() + 60_000;
  while ((await fixture.confirmedFlushLsn()) < target) {
    if (Date.now() > deadline) throw new Error('the reader did not catch up within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Reads the topic until it holds every row of the table (bounded: a row that never arrives fails the test). */
async function topicHoldsTheTable(fixture: ReaderFixture): Promise<DecodedEvent[]> {
  await caughtUp(fixture);
  const { rows } = await fixture.owner.query<{ id: string; label: string }>(
    'SELECT id::text, label FROM items ORDER BY id',
  );
  const wanted = new Map(rows.map((row) => [JSON.stringify({ id: row.id }), row.label]));
  const missing = () => [...wanted.keys()].length;
  let events: DecodedEvent[] = [];
  try {
    events = await fixture.read(
      fixture.topic('items'),
      (all) => {
        const state = ReaderFixture.replay(all);
        return [...wanted].every(([key, label]) => (state.get(key) as { label?: string })?.label === label);
      },
      60_000,
    );
  } catch (error) {
    throw new Error(`the topic never held all ${missing()} rows of the table: ${(error as Error).message}`);
  }
  return events;
}

const snapshotOf = (event: DecodedEvent) =>
  (event.value?.source as { snapshot?: string } | undefined)?.snapshot ?? 'false';

/** How the rows that existed before the slot reached the topic (`source.snapshot` of their events). */
function seedsArrivedAs(events: DecodedEvent[]): Set<string> {
  return new Set(
    events
      .filter((event) => Number((event.key as { id: bigint }).id) <= rowsBefore)
      .map((event) => (snapshotOf(event) === 'last' ? 'true' : snapshotOf(event))),
  );
}

/** The seam: the first slot state write made while the slot exists (the one right after creating it) fails. */
function failWriteAfterCreation(fixture: ReaderFixture) {
  let failed = false;
  return async (key: string) => {
    if (failed || key !== fixture.slot || !(await slotExists(fixture))) return;
    failed = true;
    throw new Error('injected: state write failed right after the slot was created');
  };
}

describe('slot state bound to its slot', () => {
  it('a state write that fails right after the slot is created: the next start drops that slot and copies every row', async () => {
    const fixture = await scenario();
    const first = await fixture.start({ beforeStateWrite: failWriteAfterCreation(fixture) }).then(
      () => 'streaming',
      (error: unknown) => (error as Error).message,
    );
    expect(first).toMatch(/injected/);
    expect(await slotExists(fixture)).toBe(true);
    const intent = await waitForSlotState(fixture, (state) => state?.status === 'creating', 'the intent');
    await fixture.owner.query(`INSERT INTO items VALUES (${rowsBefore + 1}, 'after the failed start')`);

    await fixture.start();
    const events = await topicHoldsTheTable(fixture);
    // The rows that existed before the slot come from the initial snapshot of a new slot.
    expect(seedsArrivedAs(events)).toEqual(new Set(['true']));
    const done = await waitForSlotState(fixture, (state) => state?.status === 'done', 'the new slot done');
    expect(done?.instance).not.toBe(intent?.instance);
    expect(done?.tables).toEqual(['items']);
  }, 180_000);

  it('the same write failing while a vanished slot is re-created: the old done state is never trusted', async () => {
    const fixture = await scenario();
    await fixture.start();
    await caughtUp(fixture);
    await fixture.stop();
    const before = await waitForSlotState(
      fixture,
      (state) => state?.status === 'done',
      'the first slot done',
    );
    // The slot vanishes; rows change while no slot records them.
    await asReader(fixture, 'SELECT pg_drop_replication_slot($1)', [fixture.slot]);
    await fixture.owner.query(
      `INSERT INTO items SELECT g, 'while the slot was gone ' || g FROM generate_series(${rowsBefore + 1}, ${rowsBefore + 50}) AS g;
       UPDATE items SET label = 'updated while the slot was gone' WHERE id <= 10;`,
    );

    const second = await fixture.start({ beforeStateWrite: failWriteAfterCreation(fixture) }).then(
      () => 'streaming',
      (error: unknown) => (error as Error).message,
    );
    expect(second).toMatch(/injected/);
    expect(await slotExists(fixture)).toBe(true);

    await fixture.start();
    await topicHoldsTheTable(fixture);
    const after = await waitForSlotState(
      fixture,
      (state) => state?.status === 'done' && state.instance !== before?.instance,
      'the re-created slot done',
    );
    expect(after?.consistentPoint).not.toBe(before?.consistentPoint);
  }, 180_000);

  it('a slot made outside the pipeline (no state): every existing row reaches Kafka, once', async () => {
    const fixture = await scenario();
    // Created by hand before the reader's first start, as an operator (or a restore) might.
    await asReader(fixture, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [fixture.slot]);
    await fixture.owner.query(`INSERT INTO items VALUES (${rowsBefore + 1}, 'after the slot')`);

    await fixture.start();
    expect(seedsArrivedAs(await topicHoldsTheTable(fixture))).toEqual(new Set(['incremental']));
    // Adopted once the snapshot was requested (no table copied by an initial snapshot); once it is done, a
    // restart copies nothing again.
    const adopted = await waitForSlotState(fixture, (state) => state?.status === 'done', 'the adoption');
    expect(adopted?.tables).toEqual([]);
    await waitForTableSnapshotDone(fixture);
    const reads = async () =>
      (await fixture.readAll(fixture.topic('items'))).filter((event) => event.value?.op === 'r').length;
    const copied = await reads();
    expect(copied).toBeGreaterThanOrEqual(rowsBefore);
    await fixture.stop();
    await fixture.start();
    await fixture.owner.query(`INSERT INTO items VALUES (${rowsBefore + 2}, 'after the restart')`);
    await topicHoldsTheTable(fixture);
    expect(await reads()).toBe(copied);
  }, 180_000);

  it('a done state that describes another slot (ahead of all it confirmed): the slot is dropped and re-snapshotted', async () => {
    const fixture = await scenario();
    await asReader(fixture, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [fixture.slot]);
    // Written as the previous version did (no transaction, no status field), far ahead of the slot.
    const kafka = new Kafka({
      clientId: 'reader-slot-state-test',
      brokers: fixture.brokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: stateTopic(fixture.prefix),
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const foreign = {
      snapshot: 'done',
      consistentPoint: 'FFFF/0',
      tables: ['items'],
      updatedAt: new Date().toISOString(),
    };
    await producer.send({
      topic: stateTopic(fixture.prefix),
      acks: -1,
      messages: [{ key: fixture.slot, value: JSON.stringify(foreign) }],
    });
    await producer.disconnect();

    await fixture.start();
    expect(seedsArrivedAs(await topicHoldsTheTable(fixture))).toEqual(new Set(['true']));
    const state = await waitForSlotState(fixture, (stored) => stored?.status === 'done', 'the new slot done');
    expect(state?.consistentPoint).not.toBe('FFFF/0');
  }, 180_000);
});
