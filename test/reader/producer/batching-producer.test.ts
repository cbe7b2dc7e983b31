import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../../lib/errors/index.ts';
import {
  type BatchingOptions,
  BatchingProducer,
  type MessageSender,
  type TopicBatch,
} from '../../../services/replication-reader/producer/batching-producer.ts';

const fastRetry = { attempts: 5, initialDelayMs: 1, maxDelayMs: 2 };

function options(overrides: Partial<BatchingOptions> = {}): BatchingOptions {
  return {
    maxBatchMessages: 5,
    maxBatchBytes: 1_000_000,
    lingerMs: 5,
    maxBufferedBytes: 10_000_000,
    retry: fastRetry,
    ...overrides,
  };
}

/** Records what was sent; each send waits for `gate` when one is set, and may fail on demand. */
class RecordingSender implements MessageSender {
  sent: string[][] = [];
  /** Values per topic, in the order Kafka would store them. */
  byTopic = new Map<string, number[]>();
  failuresLeft = 0;
  failure: () => unknown = () => Object.assign(new Error('broker down'), { code: 'ECONNREFUSED' });
  gate: Promise<void> | undefined;
  concurrent = 0;
  maxConcurrent = 0;

  async send(batches: TopicBatch[]): Promise<void> {
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      await this.gate;
      if (this.failuresLeft > 0) {
        this.failuresLeft--;
        throw this.failure();
      }
      this.sent.push(batches.flatMap((batch) => batch.messages.map((message) => String(message.value))));
      for (const batch of batches) {
        const values = this.byTopic.get(batch.topic) ?? [];
        values.push(...batch.messages.map((message) => Number(String(message.value))));
        this.byTopic.set(batch.topic, values);
      }
    } finally {
      this.concurrent--;
    }
  }
}

function message(index: number, acked: number[]) {
  return {
    topic: `t${index % 2}`,
    key: Buffer.from(`k${index % 3}`),
    value: Buffer.from(String(index)),
    onAcked: () => acked.push(index),
  };
}

describe('BatchingProducer', () => {
  it('sends full batches in order, one at a time, and acknowledges every message in order', async () => {
    const sender = new RecordingSender();
    const producer = new BatchingProducer(sender, options());
    const acked: number[] = [];
    for (let index = 0; index < 12; index++) await producer.enqueue(message(index, acked));
    await producer.flush();
    // Batches fill while the previous one is in flight, so their sizes depend on timing; never above the cap.
    expect(sender.sent.every((batch) => batch.length <= 5)).toBe(true);
    expect(
      sender.sent
        .flat()
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...Array(12).keys()]);
    expect(sender.byTopic.get('t0')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(sender.byTopic.get('t1')).toEqual([1, 3, 5, 7, 9, 11]);
    expect(acked).toEqual([...Array(12).keys()]);
    expect(sender.maxConcurrent).toBe(1);
    expect(producer.inFlightBytes).toBe(0);
  });

  it('sends a lone message after the linger time without a flush', async () => {
    const sender = new RecordingSender();
    const producer = new BatchingProducer(sender, options({ lingerMs: 5 }));
    const acked: number[] = [];
    await producer.enqueue(message(1, acked));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acked).toEqual([1]);
  });

  it('makes the caller wait once the byte budget is used, until Kafka acknowledges', async () => {
    const sender = new RecordingSender();
    let open: () => void = () => undefined;
    sender.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const producer = new BatchingProducer(sender, options({ maxBatchMessages: 2, maxBufferedBytes: 300 }));
    const acked: number[] = [];
    let enqueued = 0;
    const writer = (async () => {
      for (let index = 0; index < 10; index++) {
        await producer.enqueue(message(index, acked));
        enqueued++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Each message counts ~66 bytes: the writer is held after a handful, not after all ten.
    expect(enqueued).toBeLessThan(6);
    expect(producer.inFlightBytes).toBeLessThanOrEqual(300 + 70);
    open();
    await writer;
    await producer.flush();
    expect(acked).toEqual([...Array(10).keys()]);
  });

  it('retries a failed batch before sending anything newer, keeping the order', async () => {
    const sender = new RecordingSender();
    sender.failuresLeft = 2;
    const retries: number[] = [];
    const producer = new BatchingProducer(
      sender,
      options({ maxBatchMessages: 3, onRetry: (_error, attempt) => retries.push(attempt) }),
    );
    const acked: number[] = [];
    for (let index = 0; index < 9; index++) await producer.enqueue(message(index, acked));
    await producer.flush();
    expect(retries).toEqual([1, 2]);
    expect(sender.byTopic.get('t0')).toEqual([0, 2, 4, 6, 8]);
    expect(sender.byTopic.get('t1')).toEqual([1, 3, 5, 7]);
    expect(acked).toEqual([...Array(9).keys()]);
  });

  it('fails, acknowledging nothing of the failed batch, when the error is not transient', async () => {
    const sender = new RecordingSender();
    sender.failuresLeft = 1;
    sender.failure = () => new TypeError('message too large');
    const producer = new BatchingProducer(sender, options({ maxBatchMessages: 2 }));
    const acked: number[] = [];
    await producer.enqueue(message(0, acked));
    await producer.enqueue(message(1, acked));
    await expect(producer.flush()).rejects.toThrow('message too large');
    await expect(producer.enqueue(message(2, acked))).rejects.toThrow('message too large');
    expect(acked).toEqual([]);
  });

  it('announces a failure at once, naming the largest message of the batch, without waiting for a next call', async () => {
    const sender = new RecordingSender();
    sender.failuresLeft = 1;
    sender.failure = () =>
      new PipelineError('KAFKA_UNAVAILABLE', 'Kafka send failed: Producing messages failed.', {
        retriable: false,
      });
    const producer = new BatchingProducer(sender, options({ maxBatchMessages: 2, lingerMs: 1 }));
    const acked: number[] = [];
    producer.add({ ...message(0, acked), value: Buffer.alloc(5_000) });
    producer.add(message(1, acked));
    await producer.failed; // settles by itself: nobody called flush or add after the send
    const failure = await producer.flush().catch((error: unknown) => error as PipelineError);
    expect(failure).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: false });
    expect((failure as PipelineError).message).toMatch(/largest message of the batch: 50\d\d bytes for t0/);
    expect(acked).toEqual([]);
  });

  it('gives up after the retry budget when Kafka stays down', async () => {
    const sender = new RecordingSender();
    sender.failuresLeft = 100;
    const producer = new BatchingProducer(
      sender,
      options({ retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 } }),
    );
    const acked: number[] = [];
    await producer.enqueue(message(0, acked));
    await expect(producer.flush()).rejects.toThrow('broker down');
    expect(sender.failuresLeft).toBe(97);
    expect(acked).toEqual([]);
  });
});
