/**
 * Bad input on the source side, end to end against the real stack:
 * - a core table without a primary key: the publication sync refuses it, preflight fails it with the fix, and
 *   the reader refuses to start with an error naming the table (it never streams keyless events);
 * - column types the reader has no Avro mapping for (tsvector, a range, a composite, a domain over one):
 *   their exact text form reaches Kafka and the raw table, never dropped;
 * - a row larger than the topic's max.message.bytes: the reader fails (not retriable) without confirming past
 *   it, later changes of every table wait in the slot behind it, and once the topic's limit is raised it
 *   sends the row and what followed;
 * - the slot dropped underneath a running reader: the run fails, the next run re-creates the slot and
 *   re-snapshots, and every row core holds lands in raw with its current value.
 */
import { ConfigResourceTypes } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPreflight } from '../../lib/source/preflight.ts';
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
    const events = await reader.read(reader.topic('odd'), (seen) => seen.length >= 3);
    const after = events.find((event) => (event.value?.after as { id?: bigint } | null)?.id === 2n)?.value
      ?.after as Record<string, unknown>;
    expect(after).toMatchObject({ words: "'brown' 'fox' 'quick' 'the'", span: '(,11)' });
  }, 60_000);

  it('stops at a row larger than the topic allows without confirming past it, and it flows once the limit is raised', async () => {
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
    // Alone: no later change is needed for the reader to notice (it used to stall until the next one).
    const failure = (await reader.failure(30_000)) as { code?: string; retriable?: boolean; message: string };
    expect(failure).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: false });
    expect(failure.message).toContain('Kafka send failed');
    // What to do, and which topic: the largest message of the failed batch, with its size.
    expect(failure.message).toMatch(
      new RegExp(
        `largest message of the batch: \\d+ bytes for ${reader.topic('docs').replaceAll('.', '\\.')}`,
      ),
    );
    expect(failure.message).toContain('max.message.bytes');
    await reader.owner.query(`INSERT INTO docs VALUES (3, 'after the big one')`);
    await reader.owner.query(`INSERT INTO odd VALUES (10, 'another table', NULL, NULL, NULL)`);
    // Nothing confirmed past the row it could not send: the slot still holds it and everything after it.
    expect(await reader.confirmedFlushLsn()).toBeLessThan(afterBigRow);

    // The operator's fix: a larger limit on that topic; the restarted reader sends the row and what followed.
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
    await reader.start();
    await waitFor(() => sink.converged('docs', docsColumns), 'raw docs equals core docs, big row included');
    await waitFor(() => sink.converged('odd', oddColumns), 'the other table got its row too');
    const { rows } = await sink.pool.query<{ n: number }>(
      'SELECT length(body) AS n FROM analytics_raw.docs WHERE id = 2',
    );
    expect(rows[0]?.n).toBe(170000 * 32);
  }, 120_000);

  it('re-creates a slot dropped underneath the running reader and re-snapshots what core holds', async () => {
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
    // Every row that exists in core lands with its current value. Id 11 is left out on purpose: raw keeps
    // it live, since a snapshot cannot show a delete no slot recorded (a known gap, reported with this suite).
    const live = `SELECT id::text, md5(body) AS body FROM docs WHERE id <> 11 ORDER BY id`;
    await waitFor(async () => {
      const core = await reader.owner.query(live);
      const raw = await sink.pool.query(
        `SELECT id::text, md5(body) AS body FROM analytics_raw.docs WHERE NOT _deleted AND id <> 11 ORDER BY id`,
      );
      return JSON.stringify(core.rows) === JSON.stringify(raw.rows);
    }, 'the rows changed while the slot was gone, and after, land from the re-snapshot and the new slot');
    const { rows } = await reader.owner.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
      reader.slot,
    ]);
    expect(rows).toHaveLength(1);
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
