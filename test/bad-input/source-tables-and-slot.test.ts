/**
 * Bad input on the source side, end to end against the real stack:
 * - a core table without a primary key: the publication sync refuses it, preflight fails it with the fix, and
 *   the reader refuses to start with an error naming the table (it never streams keyless events);
 * - column types the reader has no Avro mapping for (tsvector, a range, a composite, a domain over one):
 *   their exact text form reaches Kafka and the raw table, never dropped;
 * - a row larger than the topic's max.message.bytes: the reader pauses that table (an alert says why and how
 *   to fix it) without confirming past the row, the other tables stream on, and once the topic's limit is
 *   raised the running reader replays and sends the row and what followed;
 * - the slot dropped underneath a running reader: the run fails, the next run re-creates the slot and
 *   re-snapshots; raw ends equal to core, the row deleted while no slot existed included (marked deleted);
 * - an incremental re-snapshot (`cdc snapshot`) of a table raw holds rows of that core no longer has: they end
 *   marked deleted.
 */
import { ConfigResourceTypes } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPreflight } from '../../lib/source/preflight.ts';
import { emitSnapshotSignal } from '../../lib/source/signals.ts';
import { SinkFixture, waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';

const reader = new ReaderFixture();
const sink = new SinkFixture(reader);

const docsColumns = 'id::text, md5(body) AS body';
const oddColumns = 'id::text, words::text, span::text, pair::text, positive_span::text';

describe('bad input at the source', () => {
  beforeAll(async () => {
    await reader.setUp(
      `CREATE TYPE pair AS (a integer, b text);
       CREATE DOMAIN positive_range AS int4range CHECK (lower(VALUE) >= 0);
       CREATE TABLE odd (id bigint PRIMARY KEY, words tsvector, span int4range, pair pair,
                         positive_span positive_range);
       CREATE TABLE docs (id bigint PRIMARY KEY, body text);
       ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
       INSERT INTO odd VALUES (1, 'a fat cat', '[1,5)', ROW(1, 'x'), '[0,2)');
       INSERT INTO docs VALUES (1, 'before the slot is created');`,
      [
        { name: 'odd', source: { schema: 'public', table: 'odd' }, destination: { table: 'odd' } },
        { name: 'docs', source: { schema: 'public', table: 'docs' }, destination: { table: 'docs' } },
      ],
    );
    await sink.setUp();
    await sink.createRawTable('odd', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'words', sqlType: 'text' },
      { name: 'span', sqlType: 'text' },
      { name: 'pair', sqlType: 'text' },
      { name: 'positive_span', sqlType: 'text' },
    ]);
    await sink.createRawTable('docs', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'body', sqlType: 'text' },
    ]);
    await reader.start();
    await sink.startSink();
  }, 120_000);

  afterAll(async () => {
    await sink.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('sends column types without an Avro mapping as their exact text form, to Kafka and to raw', async () => {
    await reader.owner.query(
      `INSERT INTO odd VALUES (2, 'the quick brown fox', '(,10]', ROW(NULL, 'a "quoted", b'), 'empty'),
                              (3, NULL, NULL, NULL, NULL)`,
    );
    await waitFor(() => sink.converged('odd', oddColumns), 'raw odd equals core odd, as text');
    const { rows } = await sink.pool.query(`SELECT ${oddColumns} FROM analytics_raw.odd ORDER BY id`);
    expect(rows[1]).toEqual({
      id: '2',
      words: "'brown' 'fox' 'quick' 'the'",
      span: '(,11)',
      pair: '(,"a ""quoted"", b")',
      positive_span: 'empty',
    });
    const idOf = (event: { value: { after?: unknown } | null }) =>
      (event.value?.after as { id?: bigint } | null)?.id;
    const events = await reader.read(reader.topic('odd'), (seen) => seen.some((event) => idOf(event) === 2n));
    const after = events.find((event) => idOf(event) === 2n)?.value?.after as Record<string, unknown>;
    expect(after).toMatchObject({ words: "'brown' 'fox' 'quick' 'the'", span: '(,11)' });
  }, 60_000);

  it('pauses the table of a row larger than its topic allows, streams the others, and resumes once the limit is raised', async () => {
    // Straight to Kafka, the producer gets a clear error.
    const producer = reader.kafka.producer();
    await producer.connect();
    try {
      await expect(
        producer.send({
          topic: reader.topic('docs'),
          messages: [{ key: 'too-big', value: Buffer.alloc(5 * 1024 * 1024, 1) }],
        }),
      ).rejects.toThrow(/larger than the max message size/);
    } finally {
      await producer.disconnect();
    }

    // Through the reader: a ~5.4 MB text value, past the 4 MiB max.message.bytes topics are created with.
    await reader.owner.query(
      `INSERT INTO docs SELECT 2, string_agg(md5(g::text), '') FROM generate_series(1, 170000) AS g`,
    );
    // At or past the commit of the big row (the WAL is the whole cluster's, so not much more can be said).
    const afterBigRow = await reader.currentWalLsn();
    // The reader pauses that table alone (no later change is needed for it to notice) and says why and how.
    await waitFor(
      async () => reader.notifications.some((event) => event.kind === 'pause' && event.key === 'table:docs'),
      'the docs table paused',
    );
    const pause = reader.notifications.find((event) => event.kind === 'pause' && event.key === 'table:docs');
    expect(pause?.title).toContain('larger than its topic accepts');
    expect(pause?.detail).toContain('max.message.bytes');
    const replaysBefore = reader.replays;
    // The other tables stream on; the paused one's later change waits with the big row.
    await reader.owner.query(`INSERT INTO docs VALUES (3, 'after the big one')`);
    await reader.owner.query(`INSERT INTO odd VALUES (10, 'another table', NULL, NULL, NULL)`);
    await waitFor(() => sink.converged('odd', oddColumns), 'the other table streams while docs is paused');
    const held = await sink.pool.query('SELECT 1 FROM analytics_raw.docs WHERE id IN (2, 3)');
    expect(held.rows).toHaveLength(0);
    // Nothing confirmed past the row it could not send: the slot still holds it and everything after it.
    expect(await reader.confirmedFlushLsn()).toBeLessThan(afterBigRow);

    // The operator's fix: a larger limit on that topic; the running reader notices, replays and sends the
    // row and what followed.
    const admin = reader.kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: reader.topic('docs'),
            configEntries: [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    await waitFor(() => sink.converged('docs', docsColumns), 'raw docs equals core docs, big row included');
    expect(reader.replays).toBeGreaterThan(replaysBefore);
    expect(reader.notifications.at(-1)).toMatchObject({ kind: 'resume', key: 'table:docs' });
    const { rows } = await sink.pool.query<{ n: number }>(
      'SELECT length(body) AS n FROM analytics_raw.docs WHERE id = 2',
    );
    expect(rows[0]?.n).toBe(170000 * 32);
  }, 120_000);

  it('re-creates a slot dropped underneath the running reader; raw converges, deletes made meanwhile included', async () => {
    await reader.owner.query(
      `INSERT INTO docs VALUES (10, 'before the drop'), (11, 'deleted while the slot is gone')`,
    );
    await waitFor(() => sink.converged('docs', docsColumns), 'raw docs caught up before the drop');
    // An active slot cannot be dropped: end its walsender first, as an operator (or a failover) would.
    await reader.killWalsender();
    const failure = (await reader.failure(30_000)) as { code?: string; message: string };
    expect(failure.code).toBe('DATABASE_UNAVAILABLE');
    const operator = new pg.Client({ connectionString: reader.database.url('DATABASE_URL_CORE') });
    await operator.connect();
    try {
      await operator.query('SELECT pg_drop_replication_slot($1)', [reader.slot]);
    } finally {
      await operator.end();
    }
    // Changes no slot recorded.
    await reader.owner.query(
      `DELETE FROM docs WHERE id = 11;
       UPDATE docs SET body = 'updated while the slot is gone' WHERE id = 10;
       INSERT INTO docs VALUES (12, 'inserted while the slot is gone');`,
    );
    await reader.start();
    await reader.owner.query(`INSERT INTO docs VALUES (13, 'after the new slot')`);
    // Every row core holds lands with its current value, and the row deleted while no slot existed ends
    // deleted: the re-snapshot's end marks deleted what the copy no longer holds.
    await waitFor(
      () => sink.converged('docs', docsColumns),
      'the rows changed while the slot was gone, and after, land from the re-snapshot and the new slot',
    );
    const gone = await sink.pool.query<{ _deleted: boolean; _op: string }>(
      'SELECT _deleted, _op FROM analytics_raw.docs WHERE id = 11',
    );
    expect(gone.rows).toEqual([{ _deleted: true, _op: 'd' }]);
    const { rows } = await reader.owner.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
      reader.slot,
    ]);
    expect(rows).toHaveLength(1);
  }, 120_000);

  it('re-snapshots a table (cdc snapshot) and marks deleted the raw rows core no longer has, on every partition', async () => {
    // The state a missed delete leaves (a slot re-created by hand, an old batch job): live raw rows core does
    // not have, one per partition the topic's rows went to.
    const { rows: used } = await sink.pool.query<{ partition: number }>(
      'SELECT DISTINCT _kafka_partition AS partition FROM analytics_raw.docs ORDER BY 1',
    );
    expect(used.length).toBeGreaterThan(0);
    for (const [index, { partition }] of used.entries()) {
      await sink.pool.query(
        `INSERT INTO analytics_raw.docs (id, body, _source_commit_lsn, _source_lsn, _source_committed_at, _op,
                                         _deleted, _kafka_partition, _kafka_offset)
         VALUES ($1, 'missed delete', '0/1', '0/1', now(), 'c', false, $2, 0)`,
        [900 + index, partition],
      );
    }
    expect(await sink.converged('docs', docsColumns)).toBe(false);
    const signaller = new pg.Client({ connectionString: reader.database.url('DATABASE_URL_CORE') });
    await signaller.connect();
    try {
      await emitSnapshotSignal(signaller, { type: 'snapshot', table: 'docs', id: 'reconcile-test' });
    } finally {
      await signaller.end();
    }
    await waitFor(
      () => sink.converged('docs', docsColumns),
      'raw docs equals core again after the re-snapshot',
    );
    const stale = await sink.pool.query<{ _deleted: boolean; _op: string }>(
      'SELECT DISTINCT _deleted, _op FROM analytics_raw.docs WHERE id >= 900',
    );
    expect(stale.rows).toEqual([{ _deleted: true, _op: 'd' }]);
  }, 120_000);
});

describe('a captured table without a primary key', () => {
  const keyless = new ReaderFixture();

  beforeAll(async () => {
    await keyless.setUp(
      `CREATE TABLE audit_log (at timestamptz, note text);
       CREATE TABLE keyed (id bigint PRIMARY KEY);`,
      [{ name: 'keyed', source: { schema: 'public', table: 'keyed' }, destination: { table: 'keyed' } }],
    );
  }, 60_000);

  afterAll(async () => {
    await keyless.tearDown();
  }, 60_000);

  it('is refused by the publication sync and preflight with the fix, and the reader will not start on it', async () => {
    await expect(
      keyless.addConnector({
        name: 'audit_log',
        source: { schema: 'public', table: 'audit_log' },
        destination: { table: 'audit_log' },
      }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(
        'connector audit_log: no key: the table has no primary key and the connector declares none',
      ),
    });
    // Published by hand anyway (the sync refused): preflight and the reader still catch it.
    await keyless.owner.query(`ALTER PUBLICATION ${keyless.publication} ADD TABLE audit_log`);
    const asReader = new pg.Client({ connectionString: keyless.database.url('DATABASE_URL_CORE') });
    await asReader.connect();
    try {
      const findings = await runPreflight(
        asReader,
        { slotName: keyless.slot, publicationName: keyless.publication, connectors: keyless.connectors },
        { CDC_PSEUDONYMISATION_KEY: 'k'.repeat(40) },
      );
      const key = findings.find((finding) => finding.check === 'table.key public.audit_log');
      expect(key).toMatchObject({
        status: 'fail',
        detail: 'public.audit_log has no primary key and audit_log declares no key',
      });
      expect(key?.fix).toContain('ALTER TABLE "public"."audit_log" ADD PRIMARY KEY');
    } finally {
      await asReader.end();
    }
    await expect(keyless.start()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'table public.audit_log: has no primary key: declare the key columns',
    });
  }, 60_000);
});
