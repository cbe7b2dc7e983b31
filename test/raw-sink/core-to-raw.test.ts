/**
 * Core → reader → Kafka → sink decoding and apply → analytics_raw, with every supported type (and values sent
 * as exact text: 2-dimensional arrays, array bounds, year 294250): after inserts,
 * an update that leaves the large text untouched (unchanged TOAST), a delete, and a replay of the whole topic,
 * the raw table equals the core table value for value (compared in PostgreSQL's text form), deleted rows are
 * kept soft-deleted, and the replay changes nothing.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawColumnsOf, rawTableDdl } from '../../lib/raw/raw-table.ts';
import { schemaIdOf } from '../../lib/registry/framing.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { applyBatch } from '../../services/raw-sink/apply/apply-batch.ts';
import type { TableChange } from '../../services/raw-sink/apply/coalesce.ts';
import type { RawTableShape } from '../../services/raw-sink/apply/merge-sql.ts';
import {
  ChangeDecoder,
  type ConsumedMessage,
  rowRecordOf,
} from '../../services/raw-sink/decode/change-decoder.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { bigText, ddl, inserts } from '../support/every-type.ts';
import { requireEnv, uniqueName } from '../support/names.ts';

const reader = new ReaderFixture();
const registry = createSchemaRegistryClient({ url: requireEnv('SCHEMA_REGISTRY_URL') });

async function rawMessages(topic: string, count: number): Promise<(ConsumedMessage & { topic: string })[]> {
  const kafka = new Kafka({
    clientId: 'core-to-raw',
    brokers: requireEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: uniqueName('core-to-raw') });
  const messages: (ConsumedMessage & { topic: string })[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${messages.length} of ${count} messages`)),
        60_000,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          messages.push({ topic, partition, offset: BigInt(message.offset), value: message.value });
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

async function textRows(client: pg.Client, from: string, columns: string[], where = ''): Promise<string[][]> {
  const list = columns.map((column) => `"${column}"::text`).join(', ');
  const { rows } = await client.query({
    text: `SELECT ${list} FROM ${from} ${where} ORDER BY id`,
    rowMode: 'array',
  });
  return rows as string[][];
}

describe('core to raw, every type', () => {
  let analytics: ScratchDatabase;
  let raw: pg.Client;

  beforeAll(async () => {
    await reader.setUp(ddl, [
      {
        name: 'every_type',
        source: { schema: 'public', table: 'every_type' },
        destination: { table: 'every_type' },
      },
    ]);
    analytics = await createScratchDatabase('core_to_raw', ['cdc_sink', 'cdc_transform']);
    const url = analytics.url('DATABASE_URL_ANALYTICS');
    const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    raw = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
    await raw.connect();
  }, 120_000);

  afterAll(async () => {
    await raw?.end();
    await analytics?.drop();
    await reader.tearDown();
  }, 120_000);

  it('lands every value exactly, keeps unchanged TOAST, soft-deletes, and ignores a replay', async () => {
    await reader.start();
    // The first insert takes the large text as a parameter; parameters allow one statement per query.
    await reader.owner.query(inserts.split(';')[0] as string, [bigText]);
    for (const statement of inserts.split(';').slice(1))
      if (statement.trim()) await reader.owner.query(statement);
    // Touches a small column only: the large text arrives as "unchanged TOAST".
    await reader.owner.query('UPDATE every_type SET c_int4 = 7 WHERE id = 1');
    await reader.owner.query('DELETE FROM every_type WHERE id = 3');
    const topic = reader.topic('every_type');
    // The empty table's snapshot end (one per partition), 5 inserts, 1 update, 1 delete and its tombstone.
    const messages = await rawMessages(topic, 11);

    const id = schemaIdOf(messages.find((message) => message.value)?.value as Buffer) as number;
    const columns = rawColumnsOf(rowRecordOf(await registry.schemaById(id)), 'every_type');
    await raw.query(
      rawTableDdl({ table: 'every_type', source: 'public.every_type', columns, conflictColumns: ['id'] }),
    );
    const shape: RawTableShape = { table: 'every_type', columns, conflictColumns: ['id'], deletes: 'soft' };

    const decoder = new ChangeDecoder(registry, {
      conflictColumns: ['id'],
      rawColumns: () => new Map(columns.map((column) => [column.name, column.sqlType])),
    });
    const apply = async () => {
      // Small batches, so that coalescing and the cursor are exercised across several transactions.
      for (let start = 0; start < messages.length; start += 3) {
        const slice = messages.slice(start, start + 3);
        const changes: TableChange[] = [];
        for (const message of slice) {
          const decoded = await decoder.decode(message);
          if (decoded.kind === 'change') changes.push(decoded.change);
        }
        const last = slice.at(-1) as ConsumedMessage & { topic: string };
        await applyBatch(
          raw,
          'core-to-raw',
          [{ shape, truncate: 'apply', changes }],
          [{ topic, partition: last.partition, nextOffset: last.offset + 1n }],
        );
      }
    };
    await apply();

    const names = columns.map((column) => column.name);
    const core = new pg.Client({
      connectionString: reader.database.url('DATABASE_URL_CORE_OWNER'),
      options: '-c TimeZone=UTC',
    });
    await core.connect();
    try {
      const source = await textRows(core, 'every_type', names);
      const landed = await textRows(raw, 'analytics_raw.every_type', names, 'WHERE NOT _deleted');
      expect(landed.length).toBe(4);
      for (const [index, row] of source.entries()) {
        for (const [column, value] of row.entries()) {
          expect(landed[index]?.[column], `${names[column]} of row ${row[0]}`).toBe(value);
        }
      }
    } finally {
      await core.end();
    }
    const deleted = await raw.query('SELECT _op, _deleted FROM analytics_raw.every_type WHERE id = 3');
    expect(deleted.rows).toEqual([{ _op: 'd', _deleted: true }]);

    const snapshot = async () =>
      (
        await raw.query(
          "SELECT to_jsonb(t) - '_ingested_at' AS row FROM analytics_raw.every_type t ORDER BY id",
        )
      ).rows;
    const before = await snapshot();
    await apply();
    expect(await snapshot()).toEqual(before);
  }, 180_000);
});
