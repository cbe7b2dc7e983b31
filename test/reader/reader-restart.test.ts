/**
 * "Never a gap": adjacent commits and a crash before their confirmation. After a restart from the durable
 * position every transaction is in Kafka again (duplicates allowed, gaps never), including the one whose commit
 * record starts exactly where the previous one ended (the case pg-logical-replication's `lsn + 1` loses).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

const ddl = 'CREATE TABLE notes (id bigint PRIMARY KEY, body text);';

function createdIds(events: DecodedEvent[]): bigint[] {
  return events.flatMap((event) => {
    const value = event.value as { op: string; after: { id: bigint } } | null;
    return value?.op === 'c' ? [value.after.id] : [];
  });
}

describe('reader restart', () => {
  const fixture = new ReaderFixture();

  beforeAll(async () => {
    await fixture.setUp(ddl, [
      { name: 'notes', source: { schema: 'public', table: 'notes' }, destination: { table: 'notes' } },
    ]);
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('re-delivers unconfirmed adjacent transactions after a crash, and loses nothing written meanwhile', async () => {
    // A long status interval: nothing is confirmed before the crash.
    await fixture.start({ statusIntervalMs: 30_000 });
    const durableBefore = await fixture.confirmedFlushLsn();
    // Two transactions committed back to back: T2's commit record directly follows T1's.
    await fixture.owner.query(
      `INSERT INTO notes VALUES (1, 'first'); INSERT INTO notes VALUES (2, 'second')`,
    );
    const topic = fixture.topic('notes');
    await fixture.read(topic, (events) => createdIds(events).length >= 2);

    await fixture.killWalsender();
    await fixture.failure();
    expect(await fixture.confirmedFlushLsn()).toBe(durableBefore);
    await fixture.owner.query(`INSERT INTO notes VALUES (3, 'while the reader was down')`);

    await fixture.start({ statusIntervalMs: 500 });
    // Partitions are read in no particular order: wait for all five events (a missing re-delivery times out).
    const events = await fixture.read(topic, (all) => createdIds(all).length >= 5);
    const ids = createdIds(events);
    // 1 and 2 arrive twice (before and after the crash), 3 once: duplicates, never a gap.
    expect(ids.filter((id) => id === 1n).length).toBe(2);
    expect(ids.filter((id) => id === 2n).length).toBe(2);
    expect(ids.filter((id) => id === 3n).length).toBe(1);
    await fixture.stop();
    expect(await fixture.confirmedFlushLsn()).toBeGreaterThan(durableBefore);
  });
});
