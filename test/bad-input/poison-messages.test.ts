/**
 * Poison messages between Kafka and analytics_raw, end to end against the real stack: bytes that are not
 * Confluent-framed Avro, a truncated Avro body, a framed message with a schema id the registry never issued, a
 * transform that throws, and rows the raw table rejects (a CHECK constraint, a NOT NULL).
 * Each one goes to `<topic>.dlq` with its cause and its original topic/partition/offset; the messages around it
 * land, every partition's cursor reaches the end, and the other table is untouched.
 */
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterHeaders, deadLetterTopic } from '../../lib/kafka/dead-letters.ts';
import { SinkFixture, waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { uniqueName } from '../support/names.ts';

const reader = new ReaderFixture();
const sink = new SinkFixture(reader);

interface Letter {
  headers: Record<string, string>;
  key: Buffer | null;
  value: Buffer | null;
}

/** Every message of a topic until `count` were read, with its partition. */
async function readMessages(topic: string, count: number): Promise<(KafkaMessage & { partition: number })[]> {
  const messages: (KafkaMessage & { partition: number })[] = [];
  const consumer = sink.kafka.consumer({ groupId: uniqueName('bad-input-read') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        messages.push({ ...message, partition });
      },
    });
    await waitFor(async () => messages.length >= count, `${count} message(s) in ${topic}`, 30_000);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

async function deadLetters(topic: string, count: number): Promise<Letter[]> {
  const messages = await readMessages(deadLetterTopic(topic), count);
  return messages.map((message) => ({
    headers: Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    ),
    key: message.key,
    value: message.value,
  }));
}

describe('bad input: poison messages reach the DLQ with their cause, and nothing else stops', () => {
  beforeAll(async () => {
    await reader.setUp(
      `CREATE TABLE items (id bigint PRIMARY KEY, qty integer, label text);
       CREATE TABLE notes (id bigint PRIMARY KEY, body text);`,
      [
        { name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } },
        {
          name: 'notes',
          source: { schema: 'public', table: 'notes' },
          destination: { table: 'notes' },
          transform: (row) => {
            if (row.body === 'boom') throw new Error('cannot handle boom');
            return row;
          },
        },
      ],
    );
    await sink.setUp();
    await sink.createRawTable('items', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'qty', sqlType: 'integer' },
      { name: 'label', sqlType: 'text' },
    ]);
    await sink.createRawTable('notes', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'body', sqlType: 'text' },
    ]);
    await sink.pool.query(
      // Rules of the analytics side the source does not have (a narrower column type would pause the
      // table as a schema change instead: raw types follow the source).
      `ALTER TABLE analytics_raw.items ADD CONSTRAINT items_qty_not_negative CHECK (qty >= 0);
       ALTER TABLE analytics_raw.items ALTER COLUMN label SET NOT NULL`,
    );
    await reader.start();
    await sink.startSink();
  }, 120_000);

  afterAll(async () => {
    await sink.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('dead-letters undecodable messages, a failing transform and rejected rows, and applies their neighbours', async () => {
    await reader.owner.query(
      `INSERT INTO items SELECT g, g, 'item ' || g FROM generate_series(1, 20) AS g;
       INSERT INTO notes VALUES (1, 'hello');`,
    );
    const itemsTopic = reader.topic('items');
    await waitFor(() => sink.caughtUp(itemsTopic, 20), 'the first items land');
    const [real] = await readMessages(itemsTopic, 1);
    if (!real?.value || !real.key) throw new Error('no message to copy');

    // Three poison messages on the partition of a real one, keyed like it.
    const unknownId = Buffer.alloc(5);
    unknownId.writeUInt32BE(0x7ffffff0, 1);
    const poison = [
      { cause: 'not Confluent-framed', value: Buffer.from('{"id": 1, "not": "avro"}') },
      { cause: 'truncated Avro body', value: real.value.subarray(0, Math.min(8, real.value.length - 1)) },
      { cause: 'unknown schema id', value: Buffer.concat([unknownId, real.value.subarray(5)]) },
    ];
    const producer = sink.kafka.producer();
    await producer.connect();
    const poisonOffsets: string[] = [];
    try {
      for (const message of poison) {
        const [sent] = await producer.send({
          topic: itemsTopic,
          acks: -1,
          messages: [{ key: real.key, value: message.value, partition: real.partition }],
        });
        poisonOffsets.push(String(sent?.baseOffset));
      }
    } finally {
      await producer.disconnect();
    }

    await reader.owner.query(
      `INSERT INTO items SELECT g, g, 'item ' || g FROM generate_series(21, 30) AS g;
       INSERT INTO items VALUES (31, -1, 'negative'), (32, 5, NULL), (33, 7, 'after');
       INSERT INTO notes VALUES (2, 'boom'), (3, 'world');`,
    );
    await waitFor(() => sink.caughtUp(itemsTopic, 36), 'the items cursor reaches the end of every partition');
    await waitFor(() => sink.caughtUp(reader.topic('notes'), 3), 'the notes cursor reaches the end');

    const items = await sink.pool.query<{ id: string }>(
      'SELECT id::text FROM analytics_raw.items ORDER BY items.id',
    );
    expect(items.rows.map((row) => Number(row.id))).toEqual([
      ...Array.from({ length: 30 }, (_, index) => index + 1),
      33,
    ]);
    const notes = await sink.pool.query('SELECT id::text, body FROM analytics_raw.notes ORDER BY notes.id');
    expect(notes.rows).toEqual([
      { id: '1', body: 'hello' },
      { id: '3', body: 'world' },
    ]);

    const itemLetters = await deadLetters(itemsTopic, 5);
    expect(itemLetters).toHaveLength(5);
    const decodeFailures = itemLetters.filter(
      (letter) => letter.headers[deadLetterHeaders.errorCode] === 'DECODE_FAILED',
    );
    expect(
      decodeFailures.map((letter) => ({
        topic: letter.headers[deadLetterHeaders.originalTopic],
        partition: letter.headers[deadLetterHeaders.originalPartition],
        offset: letter.headers[deadLetterHeaders.originalOffset],
      })),
    ).toEqual(
      poisonOffsets.map((offset) => ({ topic: itemsTopic, partition: String(real.partition), offset })),
    );
    // The original bytes, untouched, so a replay re-sends exactly what failed.
    expect(decodeFailures.map((letter) => letter.value)).toEqual(poison.map((message) => message.value));
    const messages = decodeFailures.map((letter) => letter.headers[deadLetterHeaders.errorMessage]);
    expect(messages[0]).toContain('not a Confluent-framed Avro message');
    expect(messages[1]).toMatch(/cannot be decoded|truncated/);
    expect(messages[2]).toContain(`schema id ${0x7ffffff0} is unknown to the registry`);

    const rejected = itemLetters.filter(
      (letter) => letter.headers[deadLetterHeaders.errorCode] === 'CONSTRAINT_VIOLATION',
    );
    expect(rejected.map((letter) => letter.headers[deadLetterHeaders.errorMessage]).sort()).toEqual([
      expect.stringContaining('(SQLSTATE 23502, column label)'),
      expect.stringContaining('(SQLSTATE 23514, constraint items_qty_not_negative)'),
    ]);
    for (const letter of rejected) {
      expect(letter.headers[deadLetterHeaders.originalTopic]).toBe(itemsTopic);
      expect(letter.headers[deadLetterHeaders.originalOffset]).toMatch(/^\d+$/);
    }

    const [noteLetter] = await deadLetters(reader.topic('notes'), 1);
    expect(noteLetter?.headers).toMatchObject({
      [deadLetterHeaders.errorCode]: 'TRANSFORM_FAILED',
      [deadLetterHeaders.originalTopic]: reader.topic('notes'),
    });
    expect(noteLetter?.headers[deadLetterHeaders.errorMessage]).toContain('cannot handle boom');
  }, 120_000);
});
