/**
 * The reader's state topic on the real broker: writes are transactions of a producer fenced by the next store
 * opened for the same slot (a reader that lost its lease cannot overwrite its successor's state), and readers
 * still reach the end of the topic although it ends with transaction markers, read committed values only, and
 * read the plain (non-transactional) records earlier readers wrote.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../lib/errors/index.ts';
import {
  ensureStateTopic,
  readStates,
  slotState,
  type TableSnapshotState,
  tableSnapshotKey,
} from '../../lib/source/reader-state.ts';
import { ReaderStateStore } from '../../lib/source/reader-state-store.ts';
import { requireEnv, uniqueName } from '../support/names.ts';

const kafka = new Kafka({
  clientId: 'reader-state-store-test',
  brokers: requireEnv('KAFKA_BROKERS').split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 3 },
});
const admin = kafka.admin();
const topic = `${uniqueName('rss').replaceAll('_', '')}.cdc-reader-state`;
const stores: ReaderStateStore[] = [];

async function open(slot: string): Promise<ReaderStateStore> {
  const store = await ReaderStateStore.open({ kafka, topic, slot });
  stores.push(store);
  return store;
}

/**
 * The latest committed value of `key`, as the next reader of `slot` sees it: it opens its store first, which
 * completes every earlier transaction of the slot (a commit's markers are written after commit() returns, and
 * until then the records are past the last stable offset, where a read ends).
 */
async function latestAfterTakeover(slot: string, key: string = slot): Promise<unknown> {
  await open(slot);
  return (await readStates(kafka, admin, topic, (candidate) => candidate === key)).get(key);
}

function progress(id: string, rows: number): TableSnapshotState {
  const now = new Date().toISOString();
  return {
    id,
    table: 'items',
    status: 'running',
    lastKey: null,
    rows,
    total: 100,
    chunks: 1,
    requestedAt: now,
    updatedAt: now,
  };
}

describe('reader state store', () => {
  beforeAll(async () => {
    await admin.connect();
    await ensureStateTopic(admin, topic, 1);
  });

  afterAll(async () => {
    for (const store of stores) await store.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('reads to the end of a topic that ends with a commit marker, old plain records included, promptly', async () => {
    const slot = uniqueName('slot');
    // A record as the previous version wrote it: no transaction.
    const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await plain.connect();
    const old = { snapshot: 'done', consistentPoint: '0/16B3748', updatedAt: '2024-01-01T00:00:00Z' };
    await plain.send({ topic, acks: -1, messages: [{ key: `${slot}-old`, value: JSON.stringify(old) }] });
    await plain.disconnect();
    const store = await open(slot);
    await store.writeSlotState(slotState('creating', { instance: 'first' }));
    await open(slot);

    const started = performance.now();
    const states = await readStates(kafka, admin, topic, (key) => key.startsWith(slot));
    // The end is the commit marker, never delivered as a message: waiting for a message there took the
    // whole 30 s timeout and then failed.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(states.get(`${slot}-old`)).toEqual(old);
    expect(states.get(slot)).toMatchObject({ status: 'creating', instance: 'first' });
  }, 60_000);

  it('never shows an aborted write, and still reaches the end behind its abort marker', async () => {
    const slot = uniqueName('slot');
    const store = await open(slot);
    await store.writeSlotState(slotState('creating', { instance: 'committed' }));
    const transactionalId = uniqueName('aborting');
    const transactional = () =>
      kafka.producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
    const producer = transactional();
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.send({
        topic,
        acks: -1,
        messages: [{ key: slot, value: JSON.stringify(slotState('done', { instance: 'aborted' })) }],
      });
      await transaction.abort();
    } finally {
      await producer.disconnect();
    }
    // Another producer initialising the same id returns once that abort is complete (its markers written).
    const next = transactional();
    await next.connect();
    await (await next.transaction()).abort();
    await next.disconnect();
    expect(await latestAfterTakeover(slot)).toMatchObject({ status: 'creating', instance: 'committed' });
  }, 60_000);

  it('fences the previous store of the slot as soon as the next one opens: its writes fail for good', async () => {
    const slot = uniqueName('slot');
    const first = await open(slot);
    await first.writeSlotState(slotState('in-progress', { instance: 'first', consistentPoint: '0/100' }));
    const second = await open(slot);
    await second.writeSlotState(slotState('in-progress', { instance: 'second', consistentPoint: '0/200' }));

    const refused = await first
      .writeSlotState(slotState('done', { instance: 'first', consistentPoint: '0/100', tables: [] }))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(PipelineError);
    expect(refused).toMatchObject({ code: 'FENCED', retriable: false });
    expect((refused as Error).message).toMatch(/another reader took over slot/);
    expect(await first.failed).toBe(refused);
    // Never retried, whatever the write: incremental snapshot progress included.
    await expect(first.writeTableSnapshot(progress('old', 50))).rejects.toBe(refused);

    await second.writeTableSnapshot(progress('new', 10));
    expect(await latestAfterTakeover(slot)).toMatchObject({ status: 'in-progress', instance: 'second' });
    expect(await latestAfterTakeover(slot, tableSnapshotKey(slot, 'items'))).toMatchObject({
      id: 'new',
      rows: 10,
    });
  }, 60_000);

  it('a write failed by the test seam sends nothing and leaves the store usable', async () => {
    const slot = uniqueName('slot');
    let failNext = true;
    const store = await ReaderStateStore.open({
      kafka,
      topic,
      slot,
      beforeWrite: () => {
        if (failNext) {
          failNext = false;
          throw new Error('injected');
        }
      },
    });
    stores.push(store);
    await expect(store.writeSlotState(slotState('creating', { instance: 'a' }))).rejects.toThrow('injected');
    await store.writeSlotState(slotState('creating', { instance: 'b' }));
    expect(await latestAfterTakeover(slot)).toMatchObject({ instance: 'b' });
  }, 60_000);
});
