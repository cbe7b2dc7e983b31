/** Smoke: a produce/consume round trip on the stack's Kafka, on a topic of the test's own. */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv, uniqueName } from '../support/names.ts';

describe('Kafka round trip', () => {
  const kafka = new Kafka({
    clientId: 'smoke-test',
    brokers: requireEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  const admin = kafka.admin();
  const topic = uniqueName('smoke.kafka').replaceAll('_', '-');

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('consumes what was produced, keyed to a stable partition, with acks=all', async () => {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, index) => ({
      key: `mission-${index % 5}`,
      value: `change-${index}`,
    }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; partition: number }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${received.length} of ${sent.length} consumed`)),
        30_000,
      );
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({ key: String(message.key), value: String(message.value), partition });
          if (received.length === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    try {
      await done;
    } finally {
      await consumer.disconnect();
    }
    expect(received.map((message) => message.value).sort()).toEqual(
      sent.map((message) => message.value).sort(),
    );
    // Same key, same partition: the per-row ordering guarantee rests on this.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const message of received) {
      partitionsByKey.set(
        message.key,
        (partitionsByKey.get(message.key) ?? new Set()).add(message.partition),
      );
    }
    expect([...partitionsByKey.values()].every((partitions) => partitions.size === 1)).toBe(true);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(sent.length);
  });
});
