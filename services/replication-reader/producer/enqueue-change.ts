/**
 * Hands one change's messages (a delete and its tombstone, a truncate's one event per partition, ...) to the
 * producer in order, the last one carrying the change's acknowledgement: Kafka acknowledges in enqueue order, so
 * the last message stands for all of them.
 *
 * The acknowledgement is attached before anything is enqueued. When the producer's buffer fills up halfway
 * through a change, the rest waits for room; attaching it only once the loop reached the last message lost it
 * then, and the transaction never counted as acknowledged: the reader streamed on but never confirmed past it
 * (found by the chaos suite: a buffer fills up during a broker outage).
 */
import type { BatchingProducer, OutgoingMessage } from './batching-producer.ts';

/** Undefined when every message went in at once; otherwise the wait for the rest (rejects if sending failed). */
export function enqueueChange(
  producer: Pick<BatchingProducer, 'add' | 'enqueue'>,
  messages: readonly OutgoingMessage[],
  onAcked: () => void,
): Promise<void> | undefined {
  const last = messages.at(-1);
  if (!last) return undefined;
  last.onAcked = onAcked;
  for (let index = 0; index < messages.length; index++) {
    const wait = producer.add(messages[index] as OutgoingMessage);
    if (wait) return enqueueRest(producer, wait, messages.slice(index + 1));
  }
  return undefined;
}

async function enqueueRest(
  producer: Pick<BatchingProducer, 'enqueue'>,
  wait: Promise<void>,
  rest: readonly OutgoingMessage[],
): Promise<void> {
  await wait;
  for (const message of rest) await producer.enqueue(message);
}
