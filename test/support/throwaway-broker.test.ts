import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ThrowawayBroker } from './throwaway-broker.ts';

describe('throwaway broker (test support)', () => {
  let broker: ThrowawayBroker | undefined;
  afterAll(async () => {
    await broker?.destroy();
  });

  it('starts, keeps its topics across a kill and a restart, and is gone after destroy', async () => {
    broker = await ThrowawayBroker.create();
    await broker.start();
    const kafka = new Kafka({
      clientId: 't',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await broker.stop();
    await expect(
      (async () => {
        const down = new Kafka({
          clientId: 't',
          brokers: broker.brokers,
          logLevel: logLevel.NOTHING,
          retry: { retries: 0 },
        }).admin();
        await down.connect();
      })(),
    ).rejects.toThrow();
    await broker.start();
    const again = kafka.admin();
    await again.connect();
    expect(await again.listTopics()).toContain('kept');
    await again.disconnect();
  });
});
