/** The batching producer against the real Kafka: compacted topics, every message acknowledged, per-key order. */
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopicManager } from '../../../lib/kafka/topics.ts';
import { BatchingProducer } from '../../../services/replication-reader/producer/batching-producer.ts';
import { KafkaSender } from '../../../services/replication-reader/producer/kafka-sender.ts';
import { requireEnv, uniqueName } from '../../support/names.ts';

describe('batching producer on Kafka', () => {
  const kafka = new Kafka({
    clientId: 'producer-test',
    brokers: requireEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const topic = uniqueName('test.producer').replaceAll('_', '-');

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a compacted topic on demand, once', async () => {
    const topics = new TopicManager(admin, { partitions: 3, replicationFactor: 1 });
    expect(await topics.ensure([topic])).toEqual([topic]);
    expect(await new TopicManager(admin, { partitions: 3, replicationFactor: 1 }).ensure([topic])).toEqual(
      [],
    );
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configNames: ['cleanup.policy', 'delete.retention.ms'],
        },
      ],
    });
    const entries = Object.fromEntries(
      described.resources[0]?.configEntries.map((entry) => [entry.configName, entry.configValue]) ?? [],
    );
    expect(entries).toEqual({
      'cleanup.policy': 'compact',
      'delete.retention.ms': String(7 * 24 * 3600 * 1000),
    });
  });

  it('delivers every message with per-key order and acknowledges each once', async () => {
    const sender = new KafkaSender(kafka);
    await sender.connect();
    const producer = new BatchingProducer(sender, {
      maxBatchMessages: 1_000,
      maxBatchBytes: 256 * 1024,
      lingerMs: 5,
      maxBufferedBytes: 2 * 1024 * 1024,
      retry: { attempts: 5, initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    const total = 20_000;
    let acked = 0;
    try {
      for (let index = 0; index < total; index++) {
        await producer.enqueue({
          topic,
          key: Buffer.from(`row-${index % 100}`),
          value: index % 1000 === 999 ? null : Buffer.from(String(index)),
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

    const consumer = kafka.consumer({ groupId: uniqueName('producer-test') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const lastByKey = new Map<string, number>();
    let received = 0;
    let outOfOrder = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received} of ${total} consumed`)), 45_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received++;
          const key = String(message.key);
          const index =
            message.value === null ? Number(key.slice(4)) + 1_000_000 : Number(String(message.value));
          if (message.value !== null) {
            if ((lastByKey.get(key) ?? -1) > index) outOfOrder++;
            lastByKey.set(key, index);
          }
          if (received === total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    }).finally(() => consumer.disconnect());
    expect(received).toBe(total);
    expect(outOfOrder).toBe(0);
  });
});
