/**
 * Compaction is part of the data contract: a consumer that reads a range after Kafka compacted it sees only each
 * key's latest record. Here the topics really are compacted (test/support/compacted-topic.ts) while the sinks are
 * stopped, and the sinks then read what is left:
 * - a deleted key keeps only its tombstone (the `d` event is gone): a sink that was stopped meanwhile, and a sink
 *   rewound to earliest over a raw table that still holds the row, must both delete the row (soft or hard, per
 *   connector), from the position the tombstone carries;
 * - a snapshot end followed by a truncate: compaction must not keep the truncate in the snapshot end's place
 *   (under `truncate: 'record'` the truncate deletes nothing, so the rows the snapshot found gone would stay).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emitSnapshotSignal } from '../../lib/source/signals.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { runCdc } from '../support/cdc-cli.ts';
import {
  createCompactedTopic,
  type DecodedRecord,
  readCompacted,
  waitUntilCompacted,
} from '../support/compacted-topic.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
/** Consumes, is stopped, and resumes from its own cursor after compaction. */
const resumed = new SinkFixture(reader);
/** Consumes, is stopped, and is rewound to earliest (`cdc rewind`) after compaction. */
const rewound = new SinkFixture(reader);
/** Starts only after compaction: sees nothing but the compacted topics. */
const late = new SinkFixture(reader);

const columns = [
  { name: 'id', sqlType: 'bigint' },
  { name: 'note', sqlType: 'text' },
];
const tables = ['soft_items', 'hard_items', 'archive'] as const;

const idOf = (record: DecodedRecord) => (JSON.parse(record.key) as { id?: string }).id;

/** Appends to every topic so its segments roll (only closed segments are compacted). */
async function touchFiller(): Promise<void> {
  for (const table of tables) {
    await reader.owner.query(`UPDATE ${table} SET note = note || '.' WHERE id = 1000`);
  }
}

async function rawRow(
  fixture: SinkFixture,
  table: string,
  id: number,
): Promise<{ deleted: boolean; op: string } | undefined> {
  const { rows } = await fixture.pool.query<{ deleted: boolean; op: string }>(
    `SELECT _deleted AS deleted, _op AS op FROM analytics_raw.${table} WHERE id = $1`,
    [id],
  );
  return rows[0];
}

async function setUpSink(fixture: SinkFixture): Promise<void> {
  await fixture.setUp();
  for (const table of tables) await fixture.createRawTable(table, columns);
}

async function caughtUp(fixture: SinkFixture): Promise<void> {
  for (const table of tables) {
    await waitFor(() => fixture.caughtUp(reader.topic(table), 1), `${table} caught up`, 90_000);
  }
}

describe('compacted topics', () => {
  beforeAll(async () => {
    const ddl = tables
      .map((table) => `CREATE TABLE ${table} (id bigint PRIMARY KEY, note text NOT NULL);`)
      .join('\n');
    await reader.setUp(ddl, [
      {
        name: 'soft_items',
        source: { schema: 'public', table: 'soft_items' },
        destination: { table: 'soft_items' },
      },
      {
        name: 'hard_items',
        source: { schema: 'public', table: 'hard_items' },
        destination: { table: 'hard_items', deletes: 'hard' },
      },
      {
        name: 'archive',
        source: { schema: 'public', table: 'archive' },
        destination: { table: 'archive', truncate: 'record' },
      },
    ]);
    for (const table of tables) {
      await createCompactedTopic(reader.kafka, reader.topic(table));
      await reader.owner.query(
        `INSERT INTO ${table} SELECT g, 'row ' || g FROM generate_series(1, 20) AS g UNION ALL SELECT 1000, 'filler'`,
      );
    }
    await Promise.all([setUpSink(resumed), setUpSink(rewound), setUpSink(late)]);
    await reader.start();
    for (const fixture of [resumed, rewound]) {
      const sink = await fixture.startSink();
      await caughtUp(fixture);
      await fixture.stopSink(sink);
    }
  }, 240_000);

  // Each test starts the sinks it needs from their stored cursors.
  afterEach(async () => {
    for (const fixture of [resumed, rewound, late]) await fixture.stopSinks();
  }, 60_000);

  afterAll(async () => {
    for (const fixture of [resumed, rewound, late]) await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('applies the tombstones of deletes whose events compaction removed (soft and hard)', async () => {
    for (const fixture of [resumed, rewound]) {
      expect(await rawRow(fixture, 'soft_items', 7)).toMatchObject({ deleted: false });
      expect(await rawRow(fixture, 'hard_items', 7)).toMatchObject({ deleted: false });
    }
    await reader.owner.query('DELETE FROM soft_items WHERE id = 7');
    await reader.owner.query('DELETE FROM hard_items WHERE id = 7');
    for (const table of ['soft_items', 'hard_items']) {
      const records = await waitUntilCompacted({
        kafka: reader.kafka,
        registry: reader.registry,
        topic: reader.topic(table),
        write: touchFiller,
        // The delete event of id 7 is gone; its tombstone, with the delete's position, is all that is left.
        compacted: (all) => {
          const seven = all.filter((record) => idOf(record) === '7');
          return seven.length === 1 && seven[0]?.value === null;
        },
      });
      const tombstone = records.find((record) => idOf(record) === '7');
      expect(tombstone?.headers).toMatchObject({ 'cdc-op': 'tombstone' });
      expect(tombstone?.headers['cdc-commit-lsn']).toMatch(/^\d+$/);
    }

    // Stopped through the compaction: resumes from its cursor, which points below the vanished delete event.
    await resumed.startSink();
    await caughtUp(resumed);
    expect(await rawRow(resumed, 'soft_items', 7)).toMatchObject({ deleted: true, op: 'd' });
    expect(await rawRow(resumed, 'hard_items', 7)).toBeUndefined();

    // Rewound to earliest over a raw table that still holds the row.
    const topics = tables.flatMap((table) => ['--topic', reader.topic(table)]);
    const rewind = await runCdc(['rewind', ...topics, '--to', 'earliest', '--json'], {
      DATABASE_URL_ANALYTICS: rewound.url,
      KAFKA_TOPIC_PREFIX: reader.prefix,
      SINK_GROUP_ID: rewound.groupId,
      CDC_ACTOR: 'compaction-test',
    });
    expect(rewind.code, `${rewind.stdout}\n${rewind.stderr}`).toBe(0);
    await rewound.startSink();
    await caughtUp(rewound);
    expect(await rawRow(rewound, 'soft_items', 7)).toMatchObject({ deleted: true, op: 'd' });
    expect(await rawRow(rewound, 'hard_items', 7)).toBeUndefined();
    for (const fixture of [resumed, rewound]) {
      expect(await fixture.converged('soft_items', 'id, note')).toBe(true);
      expect(await fixture.converged('hard_items', 'id, note')).toBe(true);
    }
  }, 300_000);

  it('keeps a snapshot end that a later truncate would have replaced', async () => {
    const sinkBefore = await resumed.startSink();
    await caughtUp(resumed);
    await resumed.stopSink(sinkBefore);
    expect(await rawRow(resumed, 'archive', 3)).toMatchObject({ deleted: false });
    // Row 3 disappears from core without a delete event reaching Kafka (the table left the publication for a
    // moment): only the next snapshot's end can tell raw that it is gone.
    await reader.owner.query(`ALTER PUBLICATION ${reader.publication} DROP TABLE archive`);
    await reader.owner.query('DELETE FROM archive WHERE id = 3');
    await reader.owner.query(`ALTER PUBLICATION ${reader.publication} ADD TABLE archive`);
    await emitSnapshotSignal(reader.owner, { type: 'snapshot', table: 'archive', id: 'compaction-test' });
    const topic = reader.topic('archive');
    // The initial copy's end, then this snapshot's.
    await reader.read(topic, (events) => events.filter(isSnapshotEnd).length >= 2, 90_000, {
      snapshotEnds: true,
    });
    const beforeTruncate = await readCompacted(reader.kafka, reader.registry, topic);
    const fillerBefore = Math.max(
      ...beforeTruncate.filter((record) => idOf(record) === '1000').map((record) => record.offset),
    );
    // Then a truncate (`record`: raw keeps the rows) and a new row, all after the snapshot end.
    await reader.owner.query('TRUNCATE archive');
    await reader.owner.query(`INSERT INTO archive VALUES (1000, 'filler after truncate')`);
    await waitUntilCompacted({
      kafka: reader.kafka,
      registry: reader.registry,
      topic,
      write: touchFiller,
      // The cleaner has passed the truncate: the filler's versions from before it are gone.
      compacted: (all) =>
        all.filter((record) => idOf(record) === '1000').every((record) => record.offset > fillerBefore),
    });

    await resumed.startSink();
    await caughtUp(resumed);
    // The snapshot end deleted the row it did not find; the truncate (record) left the others live.
    expect(await rawRow(resumed, 'archive', 3)).toMatchObject({ deleted: true });
    expect(await rawRow(resumed, 'archive', 4)).toMatchObject({ deleted: false });

    // A sink starting only now sees the compacted topics: the same end state as core (for archive, as `record`
    // keeps truncated rows, only the rows written after the truncate are compared).
    await late.startSink();
    await caughtUp(late);
    expect(await late.converged('soft_items', 'id, note')).toBe(true);
    expect(await late.converged('hard_items', 'id, note')).toBe(true);
    expect(await rawRow(late, 'archive', 1000)).toMatchObject({ deleted: false });
    expect(await rawRow(late, 'archive', 3)).not.toMatchObject({ deleted: false });
  }, 300_000);
});

const isSnapshotEnd = (record: { value: unknown }) =>
  (record.value as { source?: { snapshot?: string } } | null)?.source?.snapshot === 'last_in_data_collection';
