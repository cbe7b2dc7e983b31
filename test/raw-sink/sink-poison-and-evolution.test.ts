/**
 * What the sink does with changes it cannot apply as they are, and with schema changes at the source, against
 * the real stack:
 * - a connector's transform skips (null), fails (throws) or returns an invalid record: the change is skipped or
 *   dead-lettered with its cause, and the partition goes on;
 * - a row the raw table rejects (a CHECK constraint) is dead-lettered alone, the rest of its batch lands;
 * - a column added at the source is added to the raw table and gets values;
 * - a type change the raw table cannot hold pauses that table only (cdc.table_state, the metric), and it
 *   resumes by itself once the raw table is migrated, with nothing skipped.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterHeaders } from '../../lib/kafka/dead-letters.ts';
import { createSinkMetrics } from '../../services/raw-sink/metrics.ts';
import { deadLetterTopic } from '../../services/raw-sink/sink.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { runCdc } from '../support/cdc-cli.ts';
import { uniqueName } from '../support/names.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);
const metricsRegistry = new Registry();
const metrics = createSinkMetrics(metricsRegistry);

/** Every dead letter of a topic so far: its headers as text. */
async function deadLetters(topic: string, expected: number): Promise<Record<string, string>[]> {
  const letters: Record<string, string>[] = [];
  const consumer = fixture.kafka.consumer({ groupId: uniqueName('dlq-check') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: deadLetterTopic(topic), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push(
          Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([key, value]) => [key, String(value)]),
          ),
        );
      },
    });
    await waitFor(
      async () => letters.length >= expected,
      `${expected} dead letter(s) in ${topic}.dlq`,
      30_000,
    );
  } finally {
    await consumer.disconnect();
  }
  return letters;
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const values = (metric?.values ?? []) as { labels: Record<string, unknown>; value: number }[];
  return values
    .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

describe('raw sink: poison messages and schema changes', () => {
  beforeAll(async () => {
    await reader.setUp(
      `CREATE TABLE notes (id bigint PRIMARY KEY, body text, amount numeric(10,2));
       CREATE TABLE items (id bigint PRIMARY KEY, qty integer, label text);`,
      [
        {
          name: 'notes',
          source: { schema: 'public', table: 'notes' },
          destination: { table: 'notes' },
          // As the seed's export jobs did: skip some rows, reshape others.
          transform: (row) => {
            if (row.body === 'skip me') return null;
            if (row.body === 'boom') throw new Error('cannot handle boom');
            if (row.body === 'extra') return { ...row, nonsense: 1 };
            return { ...row, body: typeof row.body === 'string' ? row.body.toUpperCase() : row.body };
          },
        },
        { name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } },
      ],
    );
    await fixture.setUp();
    await fixture.createRawTable('notes', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'body', sqlType: 'text' },
      { name: 'amount', sqlType: 'numeric(10,2)' },
    ]);
    await fixture.createRawTable('items', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'qty', sqlType: 'integer' },
      { name: 'label', sqlType: 'text' },
    ]);
    // A rule of the analytics side the source does not have: the sink must isolate the rows that break it.
    await fixture.pool.query(
      'ALTER TABLE analytics_raw.items ADD CONSTRAINT items_qty_not_negative CHECK (qty >= 0)',
    );
    await reader.start();
    await fixture.startSink({ metrics });
  }, 120_000);

  afterAll(async () => {
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('skips, dead-letters transform and validation failures and rejected rows, and the partitions go on', async () => {
    await reader.owner.query(
      `INSERT INTO notes VALUES (1, 'hello', 1), (2, 'skip me', 2), (3, 'boom', 3), (4, 'extra', 4), (5, 'world', 5)`,
    );
    await reader.owner.query(
      `INSERT INTO items SELECT g, g, 'item ' || g FROM generate_series(1, 50) AS g;
       INSERT INTO items VALUES (51, -1, 'negative'), (52, 5, 'after');`,
    );
    await waitFor(() => fixture.caughtUp(reader.topic('items'), 52), 'the items cursor reaches the end');
    const items = await fixture.pool.query<{ id: string }>('SELECT id FROM analytics_raw.items ORDER BY id');
    expect(items.rows.map((row) => Number(row.id))).toEqual([
      ...Array.from({ length: 50 }, (_, index) => index + 1),
      52,
    ]);
    await waitFor(() => fixture.caughtUp(reader.topic('notes'), 5), 'the notes cursor reaches the end');
    const notes = await fixture.pool.query(
      'SELECT id::text, body FROM analytics_raw.notes ORDER BY notes.id',
    );
    expect(notes.rows).toEqual([
      { id: '1', body: 'HELLO' },
      { id: '5', body: 'WORLD' },
    ]);

    const itemLetters = await deadLetters(reader.topic('items'), 1);
    expect(itemLetters).toHaveLength(1);
    expect(itemLetters[0]?.[deadLetterHeaders.errorCode]).toBe('CONSTRAINT_VIOLATION');
    expect(itemLetters[0]?.[deadLetterHeaders.errorMessage]).toContain('items_qty_not_negative');
    const noteLetters = await deadLetters(reader.topic('notes'), 2);
    expect(noteLetters.map((letter) => letter[deadLetterHeaders.errorCode]).sort()).toEqual([
      'TRANSFORM_FAILED',
      'VALIDATION_FAILED',
    ]);
    const validation = noteLetters.find(
      (letter) => letter[deadLetterHeaders.errorCode] === 'VALIDATION_FAILED',
    );
    expect(validation?.[deadLetterHeaders.errorMessage]).toContain('nonsense');
    expect(await metricValue('cdc_sink_skipped_total', { table: 'notes' })).toBe(1);
    expect(await metricValue('cdc_sink_dead_letters_total', {})).toBe(3);
  }, 120_000);

  it('replays a rejected row with cdc dlq replay once the raw table is fixed, and it lands', async () => {
    await fixture.pool.query('ALTER TABLE analytics_raw.items DROP CONSTRAINT items_qty_not_negative');
    const replay = await runCdc(
      ['dlq', 'replay', '--topic', reader.topic('items'), '--code', 'CONSTRAINT_VIOLATION'],
      {
        DATABASE_URL_ANALYTICS: fixture.url,
        KAFKA_TOPIC_PREFIX: reader.prefix,
        SINK_GROUP_ID: fixture.groupId,
        CDC_ACTOR: 'sink-test',
        LOG_LEVEL: 'warn',
      },
    );
    expect(replay.code, `${replay.stdout}\n${replay.stderr}`).toBe(0);
    await waitFor(async () => {
      const { rows } = await fixture.pool.query<{ qty: number }>(
        'SELECT qty FROM analytics_raw.items WHERE id = 51',
      );
      return rows[0]?.qty === -1;
    }, 'the replayed row lands');
  }, 120_000);

  it('adds a column added at the source to the raw table, with its values', async () => {
    await reader.owner.query('ALTER TABLE items ADD COLUMN colour text');
    await reader.owner.query(`UPDATE items SET colour = 'red' WHERE id = 1`);
    await reader.owner.query(`INSERT INTO items VALUES (60, 6, 'coloured', 'blue')`);
    await waitFor(async () => {
      const { rows } = await fixture.pool.query('SELECT id FROM analytics_raw.items WHERE id = 60');
      return rows.length === 1;
    }, 'the row with the new column lands');
    const { rows } = await fixture.pool.query<{ id: string; colour: string | null }>(
      'SELECT id::text, colour FROM analytics_raw.items WHERE id IN (1, 2, 60) ORDER BY items.id',
    );
    expect(rows).toEqual([
      { id: '1', colour: 'red' },
      { id: '2', colour: null },
      { id: '60', colour: 'blue' },
    ]);
    expect(await metricValue('cdc_sink_columns_added_total', { table: 'items' })).toBe(1);
  }, 120_000);

  it('pauses a table whose source type the raw table cannot hold, goes on with the others, and resumes after the migration', async () => {
    await reader.owner.query('ALTER TABLE items ALTER COLUMN qty TYPE bigint');
    await reader.owner.query(`INSERT INTO items VALUES (70, 3000000000, 'big', 'green')`);
    await reader.owner.query(`INSERT INTO notes VALUES (10, 'still flowing', 1)`);
    await waitFor(async () => {
      const { rows } = await fixture.pool.query<{ status: string; reason: string }>(
        'SELECT status, reason FROM cdc.table_state WHERE topic = $1',
        [reader.topic('items')],
      );
      return rows[0]?.status === 'paused';
    }, 'items paused in cdc.table_state');
    const { rows: state } = await fixture.pool.query<{ reason: string }>(
      'SELECT reason FROM cdc.table_state WHERE topic = $1',
      [reader.topic('items')],
    );
    expect(state[0]?.reason).toContain(
      'ALTER TABLE analytics_raw."items" ALTER COLUMN "qty" TYPE bigint USING "qty"::bigint',
    );
    expect(await metricValue('cdc_sink_table_paused', { table: 'items' })).toBe(1);
    await waitFor(async () => {
      const { rows } = await fixture.pool.query('SELECT id FROM analytics_raw.notes WHERE id = 10');
      return rows.length === 1;
    }, 'notes keep flowing while items is paused');
    const before = await fixture.pool.query('SELECT id FROM analytics_raw.items WHERE id = 70');
    expect(before.rows).toHaveLength(0);

    // The migration an operator writes from the message; the sink notices on its next poll.
    await fixture.pool.query('ALTER TABLE analytics_raw.items ALTER COLUMN qty TYPE bigint');
    await waitFor(async () => {
      const { rows } = await fixture.pool.query<{ qty: string }>(
        'SELECT qty::text FROM analytics_raw.items WHERE id = 70',
      );
      return rows[0]?.qty === '3000000000';
    }, 'items resumes and lands the big quantity');
    const { rows: resumed } = await fixture.pool.query<{ status: string }>(
      'SELECT status FROM cdc.table_state WHERE topic = $1',
      [reader.topic('items')],
    );
    expect(resumed[0]?.status).toBe('active');
    expect(await metricValue('cdc_sink_table_paused', { table: 'items' })).toBe(0);
    await waitFor(() => fixture.caughtUp(reader.topic('items'), 55), 'the items cursor reaches the end');
  }, 120_000);
});
