/**
 * enqueueChange: a change's messages go to the producer in order and its acknowledgement fires once, after the
 * last of them, also when the producer's buffer is full at the change's first message (the rest then waits for
 * room). The real BatchingProducer, with a sender that holds its sends until released (pure logic, no Kafka).
 */
import { describe, expect, it } from 'vitest';
import {
  BatchingProducer,
  type MessageSender,
  type OutgoingMessage,
  type TopicBatch,
} from '../../../services/replication-reader/producer/batching-producer.ts';
import { enqueueChange } from '../../../services/replication-reader/producer/enqueue-change.ts';

class GatedSender implements MessageSender {
  readonly sent: string[] = [];
  private release: () => void = () => undefined;
  private gate: Promise<void> | undefined = new Promise((resolve) => {
    this.release = resolve;
  });

  open(): void {
    this.gate = undefined;
    this.release();
  }

  async send(batches: TopicBatch[]): Promise<void> {
    await this.gate;
    for (const batch of batches) for (const message of batch.messages) this.sent.push(String(message.value));
  }
}

const outgoing = (value: string): OutgoingMessage => ({
  topic: 'notes',
  key: Buffer.from('k'),
  value: Buffer.from(value),
});

describe('enqueueChange', () => {
  it('acknowledges a change once, after its last message, when the buffer is full at its first', async () => {
    const sender = new GatedSender();
    const producer = new BatchingProducer(sender, {
      maxBatchMessages: 2,
      maxBatchBytes: 1_000_000,
      lingerMs: 1,
      maxBufferedBytes: 10_000_000,
      maxBufferedMessages: 2,
      retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    });
    // The first send is held: three messages in the buffer make it full.
    for (const value of ['a', 'b', 'c']) producer.add(outgoing(value));
    let acknowledged = 0;
    // A delete, its tombstone and one more (a key change): the producer is full at the first of them.
    const wait = enqueueChange(producer, ['d', 'tombstone', 'c2'].map(outgoing), () => acknowledged++);
    expect(wait).toBeInstanceOf(Promise);
    expect(acknowledged).toBe(0);
    sender.open();
    await wait;
    await producer.flush();
    expect(sender.sent).toEqual(['a', 'b', 'c', 'd', 'tombstone', 'c2']);
    expect(acknowledged).toBe(1);
    expect(producer.inFlightBytes).toBe(0);
  });

  it('acknowledges once when everything goes in at once, and does nothing for no message', async () => {
    const sender = new GatedSender();
    sender.open();
    const producer = new BatchingProducer(sender, {
      maxBatchMessages: 10,
      maxBatchBytes: 1_000_000,
      lingerMs: 1,
      maxBufferedBytes: 10_000_000,
      retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    });
    let acknowledged = 0;
    expect(enqueueChange(producer, ['t0', 't1', 't2'].map(outgoing), () => acknowledged++)).toBeUndefined();
    expect(enqueueChange(producer, [], () => acknowledged++)).toBeUndefined();
    await producer.flush();
    expect(acknowledged).toBe(1);
    expect(sender.sent).toEqual(['t0', 't1', 't2']);
  });
});
