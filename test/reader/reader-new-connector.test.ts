/**
 * A connector added to a running pipeline (a developer adds a connector file and the reader restarts): the new
 * table's changes flow without a manual step, and the reader reports that its existing rows were never
 * snapshotted (progress 0), rather than pretending the table is complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

function createdIds(events: DecodedEvent[]): bigint[] {
  return events.flatMap((event) => {
    const value = event.value as { op: string; after: { id: bigint } } | null;
    return value?.op === 'c' || value?.op === 'r' ? [value.after.id] : [];
  });
}

describe('a connector added while running', () => {
  const fixture = new ReaderFixture();

  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE notes (id bigint PRIMARY KEY, body text);
       CREATE TABLE tags (id bigint PRIMARY KEY, label text);
       INSERT INTO tags VALUES (1, 'existing before the connector');`,
      [{ name: 'notes', source: { schema: 'public', table: 'notes' }, destination: { table: 'notes' } }],
    );
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('streams the new table after a restart and flags its missing snapshot', async () => {
    await fixture.start();
    await fixture.owner.query(`INSERT INTO notes VALUES (1, 'captured from the start')`);
    await fixture.read(fixture.topic('notes'), (events) => createdIds(events).includes(1n));
    await fixture.stop();

    await fixture.addConnector({
      name: 'tags',
      source: { schema: 'public', table: 'tags' },
      destination: { table: 'tags' },
    });
    await fixture.start();
    await fixture.owner.query(`INSERT INTO tags VALUES (2, 'added after the connector')`);
    const events = await fixture.read(fixture.topic('tags'), (all) => createdIds(all).includes(2n));
    expect(createdIds(events)).toEqual([2n]);

    const progress = await fixture.metricsRegistry
      .getSingleMetric('cdc_reader_snapshot_progress_ratio')
      ?.get();
    expect(progress?.values.find((value) => value.labels.table === 'tags')?.value).toBe(0);
    expect(progress?.values.find((value) => value.labels.table === 'notes')).toBeUndefined();
  });
});
