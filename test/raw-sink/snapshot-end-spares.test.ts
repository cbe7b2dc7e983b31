/**
 * A snapshot end marks deleted every raw row older than the snapshot, because the snapshot did not hold it. But
 * a row whose snapshot read went to the dead-letter topic, or was skipped by the connector's transform, is one
 * the snapshot did hold: core has it. End to end (real reader, `cdc snapshot` signal, real sink), those rows must
 * stay live in raw, while a row really deleted at the source behind the pipeline's back is still reconciled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitSnapshotSignal } from '../../lib/source/signals.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);

async function raw(id: number): Promise<{ note: string; deleted: boolean } | undefined> {
  const { rows } = await fixture.pool.query<{ note: string; deleted: boolean }>(
    'SELECT note, _deleted AS deleted FROM analytics_raw.items WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe('a snapshot end spares the rows the snapshot did not land', () => {
  beforeAll(async () => {
    await reader.setUp('CREATE TABLE items (id bigint PRIMARY KEY, note text NOT NULL);', [
      {
        name: 'items',
        source: { schema: 'public', table: 'items' },
        destination: { table: 'items' },
        transform: (row) => {
          if (row.note === 'poison') throw new Error('this transform cannot handle the row');
          if (row.note === 'hidden') return null;
          return row;
        },
      },
    ]);
    await fixture.setUp();
    await fixture.createRawTable('items', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'note', sqlType: 'text' },
    ]);
    await reader.owner.query(`INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 10) AS g`);
    await reader.start();
    await fixture.startSink();
    await waitFor(() => fixture.caughtUp(reader.topic('items'), 10), 'initial catch-up', 90_000);
  }, 180_000);

  afterAll(async () => {
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('keeps dead-lettered and skipped rows live, and still reconciles a real delete', async () => {
    // Streamed: 2 becomes a row the transform throws on (dead letter), 3 one it skips; raw keeps their old
    // versions. 4 is deleted at the source without a delete event reaching Kafka (the table left the
    // publication for a moment).
    await reader.owner.query(`UPDATE items SET note = 'poison' WHERE id = 2`);
    await reader.owner.query(`UPDATE items SET note = 'hidden' WHERE id = 3`);
    await reader.owner.query(`ALTER PUBLICATION ${reader.publication} DROP TABLE items`);
    await reader.owner.query('DELETE FROM items WHERE id = 4');
    await reader.owner.query(`ALTER PUBLICATION ${reader.publication} ADD TABLE items`);
    await emitSnapshotSignal(reader.owner, { type: 'snapshot', table: 'items', id: 'spare-test' });
    await waitFor(async () => (await raw(4))?.deleted === true, 'the snapshot end reconciled row 4', 90_000);

    expect(await raw(2)).toEqual({ note: 'row 2', deleted: false });
    expect(await raw(3)).toEqual({ note: 'row 3', deleted: false });
    const live = await fixture.pool.query<{ id: string }>(
      'SELECT id FROM analytics_raw.items WHERE NOT _deleted ORDER BY id',
    );
    expect(live.rows.map((found) => Number(found.id))).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10]);
  }, 180_000);
});
