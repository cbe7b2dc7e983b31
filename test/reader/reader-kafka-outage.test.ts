/**
 * Kafka unavailable for a while: the reader waits, confirms nothing new, and resumes with nothing lost.
 * Uses a broker of its own, so the shared stack's broker never goes down under other tests. Runs once per
 * producing client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThrowawayBroker } from '../support/throwaway-broker.ts';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

function createdIds(events: DecodedEvent[]): bigint[] {
  return events.flatMap((event) => {
    const value = event.value as { op: string; after: { id: bigint } } | null;
    return value?.op === 'c' ? [value.after.id] : [];
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Both producing clients: their retry and reconnection logic differ entirely.
describe.each(['platformatic', 'kafkajs'] as const)('reader on %s during a Kafka outage', (kafkaClient) => {
  let broker: ThrowawayBroker;
  let fixture: ReaderFixture;

  beforeAll(async () => {
    broker = await ThrowawayBroker.create();
    await broker.start();
    fixture = new ReaderFixture(broker.brokers);
    await fixture.setUp('CREATE TABLE notes (id bigint PRIMARY KEY, body text);', [
      { name: 'notes', source: { schema: 'public', table: 'notes' }, destination: { table: 'notes' } },
    ]);
  }, 120_000);

  afterAll(async () => {
    await fixture?.stop().catch(() => undefined);
    await broker?.start().catch(() => undefined); // tear-down deletes topics through it
    await fixture?.tearDown();
    await broker?.destroy();
  }, 120_000);

  it('holds the slot while Kafka is down and delivers everything once it is back', async () => {
    await fixture.start({ statusIntervalMs: 300, kafkaClient });
    await fixture.owner.query(`INSERT INTO notes VALUES (1, 'before the outage')`);
    const afterFirst = await fixture.currentWalLsn();
    await waitFor(async () => (await fixture.confirmedFlushLsn()) >= afterFirst, 20_000);

    await broker.stop();
    await fixture.owner.query(`INSERT INTO notes VALUES (2, 'during the outage')`);
    await fixture.owner.query(`INSERT INTO notes VALUES (3, 'during the outage too')`);
    const afterOutageWrites = await fixture.currentWalLsn();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Nothing of the outage was acknowledged, so nothing of it is confirmed.
    expect(await fixture.confirmedFlushLsn()).toBeLessThan(afterOutageWrites);

    await broker.start();
    // Partitions are read in no particular order: wait for all three (a missing one times out).
    const events = await fixture.read(
      fixture.topic('notes'),
      (all) => {
        const ids = createdIds(all);
        return ids.includes(1n) && ids.includes(2n) && ids.includes(3n);
      },
      90_000,
    );
    expect(new Set(createdIds(events))).toEqual(new Set([1n, 2n, 3n]));
    await waitFor(async () => (await fixture.confirmedFlushLsn()) >= afterOutageWrites, 30_000);
  }, 180_000);
});
