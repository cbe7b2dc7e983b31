/**
 * A connector added to a running pipeline (a developer adds a connector file and the reader restarts): the new
 * table's changes flow without a manual step, and its existing rows are copied by an incremental snapshot while
 * streaming, once (a later restart does not copy them again).
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

  it('streams the new table after a restart and copies its existing rows once', async () => {
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
    const events = await fixture.read(
      fixture.topic('tags'),
      (all) => createdIds(all).includes(1n) && createdIds(all).includes(2n),
    );
    const existing = events.find((event) => (event.value?.after as { id?: bigint } | null)?.id === 1n);
    expect(existing?.value?.op).toBe('r');
    expect((existing?.value?.source as { snapshot?: string } | undefined)?.snapshot).toBe('incremental');
    const progress = async (table: string) =>
      (
        await fixture.metricsRegistry.getSingleMetric('cdc_reader_snapshot_progress_ratio')?.get()
      )?.values.find((value) => value.labels.table === table)?.value;
    for (let attempt = 0; attempt < 50 && (await progress('tags')) !== 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await progress('tags')).toBe(1);
    expect(await progress('notes')).toBeUndefined();

    // Once copied, never again: a restart streams on without another snapshot of the table.
    const copied = (await fixture.readAll(fixture.topic('tags'))).filter((event) => event.value?.op === 'r');
    await fixture.stop();
    await fixture.start();
    await fixture.owner.query(`INSERT INTO tags VALUES (3, 'after the second restart')`);
    const after = await fixture.read(fixture.topic('tags'), (all) => createdIds(all).includes(3n));
    expect(after.filter((event) => event.value?.op === 'r')).toHaveLength(copied.length);
  });
});
