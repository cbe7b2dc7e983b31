/**
 * The raw sink service against the real stack: the reader streams a table, the sink lands it in analytics_raw
 * and keeps its cursor there; a poison message goes to the DLQ with its cause while the partition moves on; a
 * restarted sink resumes from the stored cursor and catches up.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectorCatalogue } from '../../connectors/catalogue.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { rawTableDdl } from '../../lib/raw/raw-table.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { createSinkMetrics } from '../../services/raw-sink/metrics.ts';
import { deadLetterTopic, RawSink } from '../../services/raw-sink/sink.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { requireEnv, uniqueName } from '../support/names.ts';

const reader = new ReaderFixture();
const groupId = uniqueName('raw-sink');
const kafka = new Kafka({
  clientId: 'sink-test',
  brokers: requireEnv('KAFKA_BROKERS').split(','),
  logLevel: logLevel.NOTHING,
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('raw sink', () => {
  let analytics: ScratchDatabase;
  let pool: pg.Pool;
  let sink: RawSink | undefined;

  const startSink = async () => {
    sink = new RawSink({
      kafka,
      groupId,
      pool,
      registry: createSchemaRegistryClient({ url: requireEnv('SCHEMA_REGISTRY_URL') }),
      connectors: createConnectorCatalogue(reader.connectors, reader.prefix),
      logger: createLogger({ service: 'sink-test', level: process.env.SINK_TEST_LOG ?? 'silent' }),
      metrics: createSinkMetrics(new Registry()),
    });
    await sink.start();
  };
  const coreRows = async () =>
    (await reader.owner.query('SELECT id::text, body, amount::text FROM notes ORDER BY id')).rows;
  const rawRows = async () =>
    (
      await pool.query(
        'SELECT id::text, body, amount::text FROM analytics_raw.notes WHERE NOT _deleted ORDER BY id',
      )
    ).rows;
  const converged = async () => JSON.stringify(await coreRows()) === JSON.stringify(await rawRows());

  beforeAll(async () => {
    await reader.setUp('CREATE TABLE notes (id bigint PRIMARY KEY, body text, amount numeric(10,2));', [
      { name: 'notes', source: { schema: 'public', table: 'notes' }, destination: { table: 'notes' } },
    ]);
    analytics = await createScratchDatabase('raw_sink', ['cdc_sink', 'cdc_transform']);
    const url = analytics.url('DATABASE_URL_ANALYTICS');
    const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(
      rawTableDdl({
        table: 'notes',
        source: 'public.notes',
        columns: [
          { name: 'id', sqlType: 'bigint' },
          { name: 'body', sqlType: 'text' },
          { name: 'amount', sqlType: 'numeric(10,2)' },
        ],
        conflictColumns: ['id'],
      }),
    );
    await reader.start();
  }, 120_000);

  afterAll(async () => {
    await sink?.stop();
    await pool?.end();
    await analytics?.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
    await reader.tearDown();
  }, 120_000);

  it('lands inserts, updates and deletes, sends a poison message to the DLQ, and resumes after a restart', async () => {
    await startSink();
    await reader.owner.query(
      `INSERT INTO notes SELECT g, 'note ' || g, g / 4.0 FROM generate_series(1, 200) AS g`,
    );
    await reader.owner.query(`UPDATE notes SET body = 'edited' WHERE id % 10 = 0`);
    await reader.owner.query('DELETE FROM notes WHERE id % 7 = 0');
    await waitFor(converged, 'raw equals core');

    // Bytes no registry schema can decode: dead-lettered with their cause, and the partition moves on.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: reader.topic('notes'),
      messages: [{ key: 'junk', value: Buffer.from('not avro'), partition: 0 }],
    });
    await producer.disconnect();
    await reader.owner.query(`INSERT INTO notes VALUES (1000, 'after the poison', 1)`);
    await waitFor(converged, 'raw equals core after the poison message');
    const dead = await reader
      .read(deadLetterTopic(reader.topic('notes')), (events) => events.length >= 1)
      .catch(() => []);
    // The fixture decodes values with the registry; a DLQ record is raw bytes, so read its headers directly.
    expect(dead).toBeDefined();
    const consumer = kafka.consumer({ groupId: uniqueName('dlq-check') });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic(reader.topic('notes')), fromBeginning: true });
    const headers = await new Promise<Record<string, string>>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) =>
          resolve(
            Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([key, value]) => [key, String(value)]),
            ),
          ),
      });
    });
    await consumer.disconnect();
    expect(headers).toMatchObject({
      'cdc-error-code': 'DECODE_FAILED',
      'cdc-original-topic': reader.topic('notes'),
      'cdc-original-partition': '0',
    });

    // Stopped while the source keeps changing, then restarted: it resumes from the stored cursor.
    await sink?.stop();
    await reader.owner.query(
      `INSERT INTO notes SELECT g, 'while stopped', 0 FROM generate_series(2000, 2050) AS g`,
    );
    await reader.owner.query(`UPDATE notes SET amount = 99 WHERE id < 50`);
    await startSink();
    await waitFor(converged, 'raw equals core after the restart');
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(reader.topic('notes'));
    await admin.disconnect();
    await waitFor(async () => {
      const { rows } = await pool.query<{ partition: number; next_offset: string }>(
        'SELECT partition, next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1',
        [groupId],
      );
      const stored = new Map(rows.map((row) => [row.partition, row.next_offset]));
      return ends.every((end) => end.high === '0' || stored.get(end.partition) === end.high);
    }, 'the stored cursor reaches the end of every partition');
  }, 180_000);
});
