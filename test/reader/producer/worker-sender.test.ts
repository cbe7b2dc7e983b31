/**
 * The producing worker (worker-sender.ts) against the real Kafka: delivery and acknowledgement through the
 * thread boundary, errors rebuilt with their retriable flag, and a dead worker failing every call.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, PipelineError } from '../../../lib/errors/index.ts';
import { WorkerSender } from '../../../services/replication-reader/producer/worker-sender.ts';
import { requireEnv, uniqueName } from '../../support/names.ts';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('worker sender on Kafka', () => {
  const brokers = requireEnv('KAFKA_BROKERS').split(',');
  const kafka = new Kafka({ clientId: 'worker-sender-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topic = uniqueName('test.worker-sender').replaceAll('_', '-');

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers every message before send resolves', async () => {
    const sender = new WorkerSender({
      connection: { clientId: 'worker-sender-test', bootstrapBrokers: brokers },
    });
    await sender.connect();
    const headers = { 'cdc-op': 'c' };
    for (let batch = 0; batch < 5; batch++) {
      const messages = Array.from({ length: 200 }, (_, index) => ({
        key: Buffer.from(`k${index % 17}`),
        value: index % 50 === 49 ? null : Buffer.from(`${batch}:${index}`),
        headers,
      }));
      await sender.send([{ topic, messages }]);
    }
    await sender.disconnect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(1000);
  });

  it('reports an unreachable broker as a retriable PipelineError from the worker', async () => {
    const sender = new WorkerSender({
      connection: { clientId: 'worker-sender-test', bootstrapBrokers: ['127.0.0.1:1'] },
      retries: 1,
      retryDelayMs: 10,
    });
    const error = await caught(sender.connect());
    await sender.disconnect();
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('KAFKA_UNAVAILABLE');
    expect(classifyError(error)).toBe('retry');
  });

  it('fails pending and later sends, not retriably, when the worker dies', async () => {
    const sender = new WorkerSender({
      connection: { clientId: 'worker-sender-test', bootstrapBrokers: brokers },
    });
    await sender.connect();
    const worker = (sender as unknown as { worker: { terminate(): Promise<number> } }).worker;
    const pending = caught(
      sender.send([{ topic, messages: [{ key: Buffer.from('k'), value: Buffer.from('v') }] }]),
    );
    await worker.terminate();
    const error = await pending;
    const later = await caught(sender.send([{ topic, messages: [{ key: Buffer.from('k'), value: null }] }]));
    await sender.disconnect();
    for (const failure of [error, later]) {
      expect(failure).toBeInstanceOf(PipelineError);
      expect((failure as PipelineError).message).toMatch(/producing worker/);
      expect(classifyError(failure)).not.toBe('retry');
    }
  });
});
