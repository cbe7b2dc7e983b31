/**
 * Deletes stay deleted, whatever arrives late (issue 15, item 5), on a real raw table:
 * - hard deletes: a version older than the delete (a DLQ replay, a redelivery) arriving after it does not insert
 *   the row again (the deletion ledger, cdc.deleted_rows), from a streamed delete or a snapshot end alike; a newer
 *   version re-creates the row and retires the ledger entry;
 * - a snapshot end spares the keys whose version did not land (dead-lettered, skipped by the transform, refused
 *   by the raw table), and is not applied at all while its partition holds a dead letter no key ties to a row;
 * - two sinks inserting the same key at once (a topic whose partition count was raised) is a conflict to retry,
 *   not a bad row for the dead-letter topic.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../lib/errors/index.ts';
import { rawTableDdl } from '../../lib/raw/raw-table.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import {
  applyBatch,
  type RejectedRow,
  type TableBatch,
  type UnlandedChange,
} from '../../services/raw-sink/apply/apply-batch.ts';
import type { RowChange, TableChange } from '../../services/raw-sink/apply/coalesce.ts';
import type { RawTableShape } from '../../services/raw-sink/apply/merge-sql.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

const columns = [
  { name: 'id', sqlType: 'bigint' },
  { name: 'body', sqlType: 'text' },
  { name: 'amount', sqlType: 'numeric(12,2)' },
];

let offset = 0n;
function row(
  op: RowChange['op'],
  id: number,
  commitLsn: bigint,
  body: string | null = `v${commitLsn}`,
): RowChange {
  offset++;
  return {
    op,
    key: `[${id}]`,
    values: { id: String(id), body, amount: null },
    commitLsn,
    lsn: op === 'r' ? 0n : commitLsn,
    committedAtMicros: 1_700_000_000_000_000n + commitLsn,
    partition: 0,
    offset,
  };
}

const end = (commitLsn: bigint, partition = 0): TableChange => ({
  op: 'snapshot-end',
  commitLsn,
  lsn: 0n,
  committedAtMicros: 1_700_000_000_000_000n + commitLsn,
  partition,
  offset: ++offset,
});

function unlanded(
  id: number | undefined,
  commitLsn: bigint | undefined,
  reason: UnlandedChange['reason'],
): UnlandedChange {
  return {
    topic: 'core.public.notes',
    partition: 0,
    offset: ++offset,
    key: id === undefined ? undefined : { id: String(id) },
    position: commitLsn === undefined ? undefined : { commitLsn, lsn: 0n },
    reason,
  };
}

describe('deletes stay deleted', () => {
  let database: ScratchDatabase;
  let client: pg.Client;
  let url: string;

  async function table(name: string, deletes: 'soft' | 'hard'): Promise<RawTableShape> {
    await client.query(
      rawTableDdl({ table: name, source: 'public.notes', columns, conflictColumns: ['id'] }),
    );
    return { table: name, columns, conflictColumns: ['id'], deletes, keyConstraints: [`${name}_pkey`] };
  }

  const apply = (shape: RawTableShape, changes: TableChange[], extra: Partial<TableBatch> = {}) =>
    applyBatch(client, 'sink', [{ shape, truncate: 'apply', changes, ...extra }], [], {
      beforeCommit: async () => undefined,
    });

  const live = async (name: string) =>
    (
      await client.query<{ id: string; body: string | null }>(
        `SELECT id::text, body FROM analytics_raw.${name} WHERE NOT _deleted ORDER BY id`,
      )
    ).rows;

  const ledger = async (name: string) =>
    (
      await client.query<{ key: string; lsn: string }>(
        `SELECT row_key::text AS key, source_commit_lsn::text AS lsn FROM cdc.deleted_rows
          WHERE raw_table = $1 ORDER BY row_key::text`,
        [name],
      )
    ).rows;

  beforeAll(async () => {
    database = await createScratchDatabase('raw_deletes', ['cdc_sink', 'cdc_transform']);
    url = database.url('DATABASE_URL_ANALYTICS');
    const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('hard deletes: an older version arriving after the delete does not insert the row again', async () => {
    const shape = await table('hard_late', 'hard');
    await apply(shape, [row('c', 1, 100n), row('c', 2, 100n), row('c', 3, 100n)]);
    await apply(shape, [row('d', 1, 200n)]);
    // A redelivery of the insert, a DLQ replay of an update between the two: both older than the delete.
    await apply(shape, [row('c', 1, 100n)]);
    await apply(shape, [row('u', 1, 150n)]);
    expect((await live('hard_late')).map((found) => found.id)).toEqual(['2', '3']);
    expect(await ledger('hard_late')).toEqual([{ key: '["1"]', lsn: '0/C8' }]);
    // The key re-created at the source: a newer version lands, and the ledger forgets the key.
    await apply(shape, [row('c', 1, 300n, 'again')]);
    expect(await live('hard_late')).toContainEqual({ id: '1', body: 'again' });
    expect(await ledger('hard_late')).toEqual([]);
    // Whatever the order within one batch: delete then an older insert of the same key.
    await apply(shape, [row('d', 2, 400n)]);
    await apply(shape, [row('u', 3, 410n), row('c', 2, 120n)]);
    expect((await live('hard_late')).map((found) => found.id)).toEqual(['1', '3']);
  });

  it('hard deletes: a row a snapshot end removed stays removed when an older version comes back', async () => {
    const shape = await table('hard_snapshot', 'hard');
    await apply(shape, [row('c', 1, 100n), row('c', 2, 100n)]);
    // The re-snapshot at 300 holds 1 only: 2 was deleted while nobody streamed.
    const applied = await apply(shape, [row('r', 1, 300n), end(300n)]);
    expect(applied.reconciled).toBe(1);
    await apply(shape, [row('u', 2, 250n)]);
    expect((await live('hard_snapshot')).map((found) => found.id)).toEqual(['1']);
    expect(await ledger('hard_snapshot')).toEqual([{ key: '["2"]', lsn: '0/12C' }]);
  });

  it('a snapshot end spares the keys whose version did not land, and only those', async () => {
    const shape = await table('spared', 'soft');
    await apply(
      shape,
      [1, 2, 3, 4, 5, 6].map((id) => row('c', id, 100n)),
    );
    // Snapshot at 300: 1 landed; 2 went to the DLQ; 3 was skipped by the transform (raw holds it); 4's read
    // was refused by the raw table; 5 is gone from the source; 6 went to the DLQ long before the snapshot.
    const refused = { ...row('r', 4, 300n), values: { id: '4', body: 'x', amount: 'not a number' } };
    const rejected: RejectedRow[] = [];
    const applied = await applyBatch(
      client,
      'sink',
      [
        {
          shape,
          truncate: 'apply',
          changes: [row('r', 1, 300n), refused, end(300n)],
          unlanded: [
            unlanded(2, 300n, 'dead-letter'),
            unlanded(3, 300n, 'skipped'),
            unlanded(6, 90n, 'dead-letter'),
          ],
        },
      ],
      [],
      { beforeCommit: async (refusedRows) => void rejected.push(...refusedRows) },
    );
    expect(rejected.map((entry) => entry.row.values.id)).toEqual(['4']);
    expect(applied.reconciled).toBe(2);
    expect((await live('spared')).map((found) => found.id)).toEqual(['1', '2', '3', '4']);
    // What the end considered is forgotten: the next snapshot (at 500, holding 1 only) reconciles the rest.
    expect((await apply(shape, [row('r', 1, 500n), end(500n)])).reconciled).toBe(3);
    expect((await live('spared')).map((found) => found.id)).toEqual(['1']);
  });

  it('a transform skip of a row raw does not hold is not recorded (filters skip a lot)', async () => {
    const shape = await table('filtered', 'soft');
    await apply(shape, [row('c', 1, 100n)]);
    await apply(shape, [], {
      unlanded: [unlanded(7, 100n, 'skipped'), unlanded(1, 100n, 'skipped')],
    });
    const { rows } = await client.query(
      "SELECT row_key::text AS key FROM cdc.unlanded_rows WHERE raw_table = 'filtered'",
    );
    expect(rows).toEqual([{ key: '["1"]' }]);
  });

  it('does not apply a snapshot end while its partition holds a dead letter no key ties to a row', async () => {
    const shape = await table('untied', 'soft');
    await apply(shape, [row('c', 1, 100n), row('c', 2, 100n)]);
    const held = await apply(shape, [row('r', 1, 300n), end(300n)], {
      unlanded: [unlanded(undefined, undefined, 'dead-letter')],
    });
    expect(held.reconciled).toBe(0);
    expect(held.unappliedEnds).toEqual([{ table: 'untied', partition: 0, untied: 1 }]);
    expect((await live('untied')).map((found) => found.id)).toEqual(['1', '2']);
    // The untied letter was considered once; the next snapshot's end applies.
    expect((await apply(shape, [row('r', 1, 400n), end(400n)])).reconciled).toBe(1);
  });

  it('a key whose text the raw column refuses is recorded untied, not lost', async () => {
    const shape = await table('bad_key', 'soft');
    await apply(shape, [row('c', 1, 100n)]);
    const bad: UnlandedChange = { ...unlanded(1, 300n, 'dead-letter'), key: { id: 'not a bigint' } };
    await apply(shape, [], { unlanded: [bad, unlanded(1, 300n, 'dead-letter')] });
    const { rows } = await client.query(
      "SELECT row_key::text AS key FROM cdc.unlanded_rows WHERE raw_table = 'bad_key' ORDER BY kafka_offset",
    );
    expect(rows).toEqual([{ key: null }, { key: '["1"]' }]);
  });

  it('two sinks inserting one key at once: a conflict to retry, not a dead letter', async () => {
    const shape = await table('raced', 'soft');
    const [other, watcher] = [
      new pg.Client({ connectionString: url }),
      new pg.Client({ connectionString: url }),
    ];
    await Promise.all([other.connect(), watcher.connect()]);
    try {
      // The other sink (another partition, after the topic's partition count was raised) has inserted key 1 and
      // not committed yet.
      let release: () => void = () => undefined;
      let holding: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const otherDone = applyBatch(
        other,
        'sink-b',
        [{ shape, truncate: 'apply', changes: [row('c', 1, 500n, 'newer')] }],
        [],
        {
          beforeCommit: () => {
            holding();
            return new Promise<void>((resolve) => {
              release = resolve;
            });
          },
        },
      );
      await held;
      // This sink merges an older version of the same key: its insert waits for the other transaction.
      const dead: RejectedRow[] = [];
      const mine = applyBatch(
        client,
        'sink-a',
        [{ shape, truncate: 'apply', changes: [row('c', 1, 100n, 'older')] }],
        [],
        {
          beforeCommit: async (rejected) => void dead.push(...rejected),
        },
      );
      mine.catch(() => undefined);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { rows } = await watcher.query<{ waiting: string | null }>(
          'SELECT wait_event_type AS waiting FROM pg_stat_activity WHERE pid = $1',
          [(client as unknown as { processID: number }).processID],
        );
        if (rows[0]?.waiting === 'Lock') break;
        if (Date.now() > deadline) throw new Error('the second merge never waited for the first');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      release();
      await otherDone;
      const error = await mine.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(dead).toEqual([]);
      expect(error).toMatchObject({ code: 'WRITE_CONFLICT' });
      expect(classifyError(error)).toBe('retry');
      // The retry finds the row: the older version loses, a newer one wins.
      await apply(shape, [row('c', 1, 100n, 'older')]);
      expect(await live('raced')).toEqual([{ id: '1', body: 'newer' }]);
      await apply(shape, [row('u', 1, 600n, 'newest')]);
      expect(await live('raced')).toEqual([{ id: '1', body: 'newest' }]);
    } finally {
      await Promise.all([other.end(), watcher.end()]);
    }
  });
});
