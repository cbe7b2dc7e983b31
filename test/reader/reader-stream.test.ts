/**
 * The reader end to end on the real stack: committed changes of a captured table become Debezium-layout Avro
 * events in Kafka, with exact values, tombstones, truncates on every partition, unchanged TOAST marked, and the
 * slot confirmed only up to what Kafka acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unchangedToastValue } from '../../lib/avro/index.ts';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

const ddl = `
  CREATE TYPE mission_state AS ENUM ('draft', 'active');
  CREATE TABLE missions (
    id bigint PRIMARY KEY,
    title text NOT NULL,
    budget numeric(12,2),
    starts_at timestamptz,
    tags text[],
    meta jsonb,
    state mission_state,
    description text
  );
  ALTER TABLE missions ALTER COLUMN description SET STORAGE EXTERNAL;
  CREATE TABLE busy_unpublished (id bigserial PRIMARY KEY, payload text);`;

// biome-ignore lint/suspicious/noExplicitAny: decoded Avro records are inspected field by field in assertions
const envelope = (event: DecodedEvent) => event.value as Record<string, any>;

describe('replication reader', () => {
  const fixture = new ReaderFixture();

  beforeAll(async () => {
    await fixture.setUp(ddl, [
      {
        name: 'missions',
        source: { schema: 'public', table: 'missions' },
        destination: { table: 'missions' },
      },
    ]);
    await fixture.start();
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('streams inserts, updates, deletes and truncates as exact Debezium events', async () => {
    const description = 'x'.repeat(20_000);
    await fixture.owner.query('BEGIN');
    await fixture.owner.query(
      `INSERT INTO missions VALUES
        (9223372036854775807, 'Beach clean-up', 1234.50, '2026-11-21 10:00:00.123456+05:30', '{"a,b","c\\"d",NULL}', '{"k": [1, 2]}', 'active', $1),
        (2, 'Tutoring', NULL, NULL, '{}', NULL, 'draft', 'short')`,
      [description],
    );
    await fixture.owner.query('COMMIT');
    await fixture.owner.query(
      `UPDATE missions SET title = 'Beach clean-up (Sunday)' WHERE id = 9223372036854775807`,
    );
    await fixture.owner.query('DELETE FROM missions WHERE id = 2');
    await fixture.owner.query('TRUNCATE missions');
    // Busy but unpublished: the slot must still advance past it.
    await fixture.owner.query(
      `INSERT INTO busy_unpublished (payload) SELECT 'p' FROM generate_series(1, 2000)`,
    );

    const topic = fixture.topic('missions');
    // 2 creates + 1 update + delete + tombstone + 3 truncates (one per partition).
    const events = await fixture.read(topic, (all) => all.length >= 8);
    expect(events).toHaveLength(8);
    const ops = events.map((event) => (event.value ? envelope(event).op : 'tombstone'));
    expect(ops.filter((op) => op === 'c')).toHaveLength(2);
    expect(ops.filter((op) => op === 't')).toHaveLength(3);
    expect(new Set(events.filter((e) => envelope(e)?.op === 't').map((e) => e.partition))).toEqual(
      new Set([0, 1, 2]),
    );

    const created = events.find(
      (e) => envelope(e)?.op === 'c' && envelope(e).after.id === 9223372036854775807n,
    );
    expect(created?.key).toEqual({ id: 9223372036854775807n });
    const after = envelope(created as DecodedEvent).after;
    expect(after).toMatchObject({
      title: 'Beach clean-up',
      budget: '1234.50',
      // 10:00:00.123456 at +05:30 is 04:30:00.123456 UTC.
      starts_at: BigInt(Date.UTC(2026, 10, 21, 4, 30, 0, 123)) * 1000n + 456n,
      tags: ['a,b', 'c"d', null],
      meta: '{"k": [1, 2]}',
      state: 'active',
      description,
    });
    const source = envelope(created as DecodedEvent).source;
    expect(source).toMatchObject({
      connector: 'postgresql',
      name: fixture.prefix,
      schema: 'public',
      table: 'missions',
    });
    expect(source.commit_lsn).toBeGreaterThan(0n);

    const updated = events.find((e) => envelope(e)?.op === 'u');
    expect(envelope(updated as DecodedEvent).after.title).toBe('Beach clean-up (Sunday)');
    // The update did not touch the TOASTed description: marked unchanged, never null or a placeholder.
    expect(envelope(updated as DecodedEvent).after.description).toBe(unchangedToastValue);

    const deleteIndex = events.findIndex((e) => envelope(e)?.op === 'd');
    const deleted = events[deleteIndex] as DecodedEvent;
    expect(envelope(deleted).before.id).toBe(2n);
    const tombstone = events.find((e) => e.value === null);
    expect(tombstone?.key).toEqual({ id: 2n });
    expect(tombstone?.partition).toBe(deleted.partition);
    expect(Number(tombstone?.offset)).toBeGreaterThan(Number(deleted.offset));

    // Everything is acknowledged, so the slot advances to (at least) the last commit, past the unpublished writes.
    const target = await fixture.currentWalLsn();
    const deadline = Date.now() + 20_000;
    while ((await fixture.confirmedFlushLsn()) < target && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await fixture.confirmedFlushLsn()).toBeGreaterThanOrEqual(target);
  });
});
