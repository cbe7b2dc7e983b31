/**
 * Applying batches to a real raw table: upserts, soft and hard deletes, order safety (older versions never win,
 * a deleted key is not resurrected by an older insert), unchanged TOAST, truncates, idempotent replays, and a
 * snapshot ends (what a re-snapshot no longer holds is deleted), and a failing batch that leaves neither rows
 * nor cursor behind.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTableDdl } from '../../lib/raw/raw-table.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { applyBatch, type TableBatch } from '../../services/raw-sink/apply/apply-batch.ts';
import type { RowChange, TableChange } from '../../services/raw-sink/apply/coalesce.ts';
import type { RawTableShape } from '../../services/raw-sink/apply/merge-sql.ts';
import { unchanged } from '../../services/raw-sink/values/pg-text.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

const columns = [
  { name: 'id', sqlType: 'bigint' },
  { name: 'body', sqlType: 'text' },
  { name: 'amount', sqlType: 'numeric(12,2)' },
];
const soft: RawTableShape = { table: 'notes', columns, conflictColumns: ['id'], deletes: 'soft' };
const hard: RawTableShape = { table: 'notes_hard', columns, conflictColumns: ['id'], deletes: 'hard' };

let offset = 0n;
function row(
  op: RowChange['op'],
  id: number,
  values: Partial<Record<'body' | 'amount', RowChange['values'][string]>>,
  commitLsn: bigint,
): RowChange {
  offset++;
  return {
    op,
    key: `[${id}]`,
    values: { id: String(id), body: null, amount: null, ...values },
    commitLsn,
    lsn: commitLsn,
    committedAtMicros: 1_700_000_000_000_000n + commitLsn,
    partition: 0,
    offset,
  };
}

describe('applyBatch', () => {
  let database: ScratchDatabase;
  let client: pg.Client;
  const batch = (
    shape: RawTableShape,
    changes: TableChange[],
    truncate: 'apply' | 'record' = 'apply',
  ): TableBatch[] => [{ shape, truncate, changes }];
  const contents = async (table = 'notes') =>
    (
      await client.query(
        `SELECT id::text, body, amount::text, _op, _deleted, _source_commit_lsn::text AS lsn
           FROM analytics_raw.${table} ORDER BY id`,
      )
    ).rows;

  beforeAll(async () => {
    database = await createScratchDatabase('raw_apply', ['cdc_sink', 'cdc_transform']);
    const url = database.url('DATABASE_URL_ANALYTICS');
    const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const shape of [soft, hard]) {
      await client.query(
        rawTableDdl({ table: shape.table, source: 'public.notes', columns, conflictColumns: ['id'] }),
      );
    }
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('upserts, soft-deletes, keeps unchanged TOAST, and stores the cursor in the same transaction', async () => {
    await applyBatch(
      client,
      'sink',
      batch(soft, [
        row('c', 1, { body: 'first', amount: '1.50' }, 100n),
        row('c', 2, { body: 'second' }, 110n),
      ]),
      [{ topic: 'core.public.notes', partition: 0, nextOffset: 2n }],
    );
    await applyBatch(
      client,
      'sink',
      batch(soft, [row('u', 1, { body: unchanged, amount: '2.00' }, 120n), row('d', 2, {}, 130n)]),
      [{ topic: 'core.public.notes', partition: 0, nextOffset: 4n }],
    );
    expect(await contents()).toEqual([
      { id: '1', body: 'first', amount: '2.00', _op: 'u', _deleted: false, lsn: '0/78' },
      { id: '2', body: 'second', amount: null, _op: 'd', _deleted: true, lsn: '0/82' },
    ]);
    const cursor = await client.query(
      'SELECT next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1',
      ['sink'],
    );
    expect(cursor.rows).toEqual([{ next_offset: '4' }]);
  });

  it('converges whatever the order and however often a batch is replayed', async () => {
    const before = await contents();
    // An older version of id 1 and an older insert of the deleted id 2: neither wins.
    await applyBatch(
      client,
      'sink',
      batch(soft, [
        row('u', 1, { body: 'stale', amount: '0.00' }, 105n),
        row('c', 2, { body: 'stale' }, 101n),
      ]),
      [],
    );
    expect(await contents()).toEqual(before);
    // A delete of a key never seen leaves a deleted row; its older insert arriving later stays deleted.
    const late = [row('d', 3, {}, 300n)];
    await applyBatch(client, 'sink', batch(soft, late), []);
    await applyBatch(client, 'sink', batch(soft, late), []);
    await applyBatch(client, 'sink', batch(soft, [row('c', 3, { body: 'resurrected?' }, 250n)]), []);
    expect((await contents()).find((entry) => entry.id === '3')).toMatchObject({
      _deleted: true,
      body: null,
    });
  });

  it('marks rows older than a truncate deleted, and leaves newer ones', async () => {
    await applyBatch(
      client,
      'sink',
      batch(soft, [
        row('c', 4, { body: 'before the truncate' }, 400n),
        { op: 't', commitLsn: 450n, lsn: 450n, committedAtMicros: 1n, partition: 0, offset: 999n },
        row('c', 5, { body: 'after the truncate' }, 500n),
      ]),
      [],
    );
    const rows = await contents();
    expect(rows.filter((entry) => !entry._deleted).map((entry) => entry.id)).toEqual(['5']);
    expect(rows.find((entry) => entry.id === '4')).toMatchObject({ _op: 't', _deleted: true });
  });

  it("marks deleted what a snapshot no longer holds, in the snapshot end's partition only", async () => {
    const table = 'notes_snapshot';
    await client.query(rawTableDdl({ table, source: 'public.notes', columns, conflictColumns: ['id'] }));
    const shape: RawTableShape = { ...soft, table };
    const snapshotRead = (id: number) => ({ ...row('r', id, { body: `copy ${id}` }, 300n), lsn: 0n });
    const end = (partition: number) => ({
      op: 'snapshot-end' as const,
      commitLsn: 300n,
      lsn: 0n,
      committedAtMicros: 1_700_000_000_000_300n,
      partition,
      offset: 5_000n + BigInt(partition),
    });
    await applyBatch(
      client,
      'sink',
      batch(shape, [
        ...[1, 2, 3].map((id) => row('c', id, { body: 'streamed' }, 100n)),
        { ...row('c', 4, { body: 'other partition' }, 100n), partition: 1 },
      ]),
      [],
    );
    // The re-snapshot holds 1 and 3 (2 was deleted while nobody streamed); 3 changes again after it.
    const applied = await applyBatch(
      client,
      'sink',
      batch(shape, [snapshotRead(1), snapshotRead(3), end(0), row('u', 3, { body: 'after' }, 350n)]),
      [],
    );
    expect(applied.reconciled).toBe(1);
    const state = async () =>
      (await contents(table)).map(({ id, _op, _deleted, lsn }) => ({ id, _op, _deleted, lsn }));
    const expected = [
      { id: '1', _op: 'r', _deleted: false, lsn: '0/12C' },
      { id: '2', _op: 'd', _deleted: true, lsn: '0/12C' },
      { id: '3', _op: 'u', _deleted: false, lsn: '0/15E' },
      { id: '4', _op: 'c', _deleted: false, lsn: '0/64' },
    ];
    expect(await state()).toEqual(expected);
    // Replays change nothing: the old insert of 2 is older than its reconciled delete, the end finds no more.
    const replayed = await applyBatch(
      client,
      'sink',
      batch(shape, [row('c', 2, { body: 'streamed' }, 100n), end(0)]),
      [],
    );
    expect(replayed.reconciled).toBe(0);
    expect(await state()).toEqual(expected);
    // Partition 1's own end (no snapshot row of 4 came before it) reconciles 4.
    expect((await applyBatch(client, 'sink', batch(shape, [end(1)]), [])).reconciled).toBe(1);
    expect((await state()).find((entry) => entry.id === '4')).toMatchObject({ _deleted: true, _op: 'd' });
  });

  it('removes what a snapshot no longer holds for a hard-delete connector', async () => {
    const table = 'notes_snapshot_hard';
    await client.query(rawTableDdl({ table, source: 'public.notes', columns, conflictColumns: ['id'] }));
    const shape: RawTableShape = { ...hard, table };
    await applyBatch(client, 'sink', batch(shape, [row('c', 1, {}, 100n), row('c', 2, {}, 100n)]), []);
    const applied = await applyBatch(
      client,
      'sink',
      batch(shape, [
        { ...row('r', 1, {}, 300n), lsn: 0n },
        { op: 'snapshot-end', commitLsn: 300n, lsn: 0n, committedAtMicros: 1n, partition: 0, offset: 9n },
      ]),
      [],
    );
    expect(applied.reconciled).toBe(1);
    expect((await contents(table)).map((entry) => entry.id)).toEqual(['1']);
  });

  it('removes rows of a hard-delete connector', async () => {
    await applyBatch(
      client,
      'sink',
      batch(hard, [row('c', 1, { body: 'x' }, 100n), row('c', 2, { body: 'y' }, 100n)]),
      [],
    );
    await applyBatch(client, 'sink', batch(hard, [row('d', 1, {}, 200n), row('d', 9, {}, 200n)]), []);
    expect((await contents('notes_hard')).map((entry) => entry.id)).toEqual(['2']);
  });

  it('leaves neither rows nor cursor behind when a batch fails half-way', async () => {
    const before = await contents();
    const failing = batch(soft, [
      row('c', 6, { body: 'fine' }, 600n),
      row('c', 7, { amount: 'not a number' }, 610n),
    ]);
    await expect(
      applyBatch(client, 'sink', failing, [{ topic: 'core.public.notes', partition: 0, nextOffset: 100n }]),
    ).rejects.toThrow(/numeric/);
    expect(await contents()).toEqual(before);
    const cursor = await client.query(
      'SELECT next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1',
      ['sink'],
    );
    expect(cursor.rows).toEqual([{ next_offset: '4' }]);
  });

  it('isolates the rows the table rejects, lands the others, and hands the rejected ones over before the commit', async () => {
    const rows = [
      row('c', 20, { body: 'ok' }, 700n),
      row('c', 21, { amount: 'not a number' }, 700n),
      row('c', 22, { body: 'ok too' }, 700n),
      row('c', 23, { amount: '1e999' }, 700n),
      row('c', 24, { body: 'last' }, 700n),
    ];
    const handed: number[] = [];
    const counts = await applyBatch(
      client,
      'isolating',
      batch(soft, rows),
      [{ topic: 'core.public.notes', partition: 0, nextOffset: 200n }],
      {
        beforeCommit: async (rejected) => {
          for (const entry of rejected) {
            expect(entry.error.code).toBe('CONSTRAINT_VIOLATION');
            handed.push(Number(entry.row.values.id));
          }
        },
      },
    );
    expect(handed.sort()).toEqual([21, 23]);
    expect(counts).toMatchObject({ rows: 3, rejected: 2 });
    const landed = (await contents()).map((entry) => entry.id).filter((id) => Number(id) >= 20);
    expect(landed).toEqual(['20', '22', '24']);
    const cursor = await client.query(
      'SELECT next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1',
      ['isolating'],
    );
    expect(cursor.rows).toEqual([{ next_offset: '200' }]);
    // With the cursor, the newest source commit applied from the partition (the marts' watermark).
    const newest = await client.query<{ at: string }>(
      `SELECT to_char(source_committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at
         FROM cdc.consumer_offsets WHERE consumer_group = 'isolating'`,
    );
    expect(newest.rows[0]?.at).toBe('2023-11-14 22:13:20.000700');
  });

  it('rolls back rows and cursor when the rejected rows cannot be parked', async () => {
    const before = await contents();
    await expect(
      applyBatch(
        client,
        'parking',
        batch(soft, [row('c', 30, { body: 'ok' }, 800n), row('c', 31, { amount: 'nope' }, 800n)]),
        [{ topic: 'core.public.notes', partition: 0, nextOffset: 300n }],
        {
          beforeCommit: async () => {
            throw new Error('dead-letter topic unavailable');
          },
        },
      ),
    ).rejects.toThrow(/unavailable/);
    expect(await contents()).toEqual(before);
    const cursor = await client.query('SELECT 1 FROM cdc.consumer_offsets WHERE consumer_group = $1', [
      'parking',
    ]);
    expect(cursor.rows).toEqual([]);
  });

  it('moves the cursor only from the value the batch was read with (a rewind in between rolls it back)', async () => {
    const topic = 'core.public.guarded';
    const cursorOf = async () =>
      (
        await client.query<{ next_offset: string }>(
          'SELECT next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1 AND topic = $2',
          ['guarded', topic],
        )
      ).rows.map((found) => found.next_offset);
    // No cursor yet, expected none: written.
    await applyBatch(client, 'guarded', batch(soft, [row('c', 20, { body: 'a' }, 700n)]), [
      { topic, partition: 0, nextOffset: 10n, expected: null },
    ]);
    expect(await cursorOf()).toEqual(['10']);
    // Read at 10, still 10: moves to 20.
    await applyBatch(client, 'guarded', batch(soft, [row('u', 20, { body: 'b' }, 710n)]), [
      { topic, partition: 0, nextOffset: 20n, expected: 10n },
    ]);
    expect(await cursorOf()).toEqual(['20']);
    // An operator rewound it to 0 meanwhile: the batch read at 20 must not land, rows included.
    await client.query('UPDATE cdc.consumer_offsets SET next_offset = 0 WHERE consumer_group = $1', [
      'guarded',
    ]);
    const before = await contents();
    await expect(
      applyBatch(client, 'guarded', batch(soft, [row('u', 20, { body: 'stale' }, 720n)]), [
        { topic, partition: 0, nextOffset: 30n, expected: 20n },
      ]),
    ).rejects.toMatchObject({ code: 'CURSOR_MOVED' });
    expect(await contents()).toEqual(before);
    expect(await cursorOf()).toEqual(['0']);
    // A batch that believed there was no cursor, when a rewind created one: refused too.
    await expect(
      applyBatch(client, 'guarded', batch(soft, []), [
        { topic, partition: 0, nextOffset: 5n, expected: null },
      ]),
    ).rejects.toMatchObject({ code: 'CURSOR_MOVED' });
    expect(await cursorOf()).toEqual(['0']);
  });
});
