/**
 * The @platformatic/kafka adapter against the real Kafka, read back with kafkajs: raw bytes, tombstones, headers,
 * explicit partitions, key partitioning identical to kafkajs, per-key order, and retriable connection errors.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, PipelineError } from '../../../lib/errors/index.ts';
import { BatchingProducer } from '../../../services/replication-reader/producer/batching-producer.ts';
import { PlatformaticSender } from '../../../services/replication-reader/producer/platformatic-sender.ts';
import { requireEnv, uniqueName } from '../../support/names.ts';

const partitions = 3;
const total = 20_000;

interface Expected {
  key: Buffer;
  value: Buffer | null;
  headers?: Record<string, string>;
  partition?: number;
}

/** Message `index`: mostly keyed rows, some tombstones, some pinned to a partition, some without headers. */
function expectedMessage(index: number): Expected {
  const tombstone = index % 500 === 499;
  const pinned = !tombstone && index % 97 === 0;
  // A Confluent-style frame (magic 0, schema id) then the index and bytes a text encoding would mangle.
  const value = Buffer.alloc(13);
  value.writeUInt8(0, 0);
  value.writeUInt32BE(42, 1);
  value.writeUInt32BE(index, 5);
  value.set([0x00, 0xff, 0xfe, 0x80], 9);
  const headers =
    index % 7 === 0 && !tombstone
      ? undefined
      : { op: tombstone ? 'd' : 'u', seq: String(index), table: 'public.widgets' };
  return {
    key: Buffer.from(pinned ? 'truncate' : `row-${index % 100}`),
    value: tombstone ? null : value,
    headers,
    partition: pinned ? (index / 97) % partitions : undefined,
  };
}

describe('platformatic sender on Kafka', () => {
  const brokers = requireEnv('KAFKA_BROKERS').split(',');
  const kafka = new Kafka({ clientId: 'platformatic-sender-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topic = uniqueName('test.platformatic-sender').replaceAll('_', '-');

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers raw bytes, tombstones, headers and partitions, in per-key order', async () => {
    const sender = new PlatformaticSender({
      connection: { clientId: 'platformatic-sender-test', bootstrapBrokers: brokers },
    });
    await sender.connect();
    const producer = new BatchingProducer(sender, {
      maxBatchMessages: 1_000,
      maxBatchBytes: 256 * 1024,
      lingerMs: 5,
      maxBufferedBytes: 2 * 1024 * 1024,
      retry: { attempts: 5, initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    let acked = 0;
    try {
      for (let index = 0; index < total; index++) {
        await producer.enqueue({
          topic,
          ...expectedMessage(index),
          onAcked: () => {
            acked++;
          },
        });
      }
      await producer.flush();
    } finally {
      await sender.disconnect();
    }
    expect(acked).toBe(total);

    // Where kafkajs (the other adapter) would put a keyed message.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
      offlineReplicas: [],
    }));
    const kafkajsPartition = (key: Buffer) =>
      partitioner({ topic, partitionMetadata, message: { key, value: null } });

    const consumer = kafka.consumer({ groupId: uniqueName('platformatic-sender-test') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set<number>();
    const lastByPartitionKey = new Map<string, number>();
    const problems: string[] = [];
    let received = 0;
    let tombstones = 0;
    let pinned = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received} of ${total} consumed`)), 45_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          received++;
          const index =
            message.value === null ? Number(String(message.headers?.seq)) : message.value.readUInt32BE(5);
          const expected = expectedMessage(index);
          if (seen.has(index)) problems.push(`${index}: duplicate`);
          seen.add(index);
          if (!message.key?.equals(expected.key)) problems.push(`${index}: key ${message.key}`);
          if (expected.value === null) {
            tombstones++;
            if (message.value !== null) problems.push(`${index}: not a tombstone`);
          } else if (!message.value?.equals(expected.value)) {
            problems.push(`${index}: value ${message.value?.toString('hex')}`);
          }
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          );
          if (JSON.stringify(headers) !== JSON.stringify(expected.headers ?? {})) {
            problems.push(`${index}: headers ${JSON.stringify(headers)}`);
          }
          const expectedPartition = expected.partition ?? kafkajsPartition(expected.key);
          if (expected.partition !== undefined) pinned++;
          if (partition !== expectedPartition) problems.push(`${index}: partition ${partition}`);
          const partitionKey = `${partition}/${message.key}`;
          if ((lastByPartitionKey.get(partitionKey) ?? -1) > index) problems.push(`${index}: out of order`);
          lastByPartitionKey.set(partitionKey, index);
          if (received === total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    }).finally(() => consumer.disconnect());
    expect(problems.slice(0, 20)).toEqual([]);
    expect(received).toBe(total);
    expect(seen.size).toBe(total);
    expect(tombstones).toBe(40);
    expect(pinned).toBeGreaterThan(200);
    // Keyed rows spread over every partition, and the pinned key reached each partition.
    expect(new Set([...lastByPartitionKey.keys()].map((key) => key.split('/')[0])).size).toBe(partitions);
    expect([...lastByPartitionKey.keys()].filter((key) => key.endsWith('/truncate'))).toHaveLength(
      partitions,
    );
  });

  it('reports an unreachable broker as a retriable error', async () => {
    const sender = new PlatformaticSender({
      connection: { clientId: 'platformatic-sender-test', bootstrapBrokers: ['127.0.0.1:1'] },
      retries: 1,
      retryDelayMs: 10,
    });
    const error = await sender.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await sender.disconnect();
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('KAFKA_UNAVAILABLE');
    expect(classifyError(error)).toBe('retry');
  });
});
