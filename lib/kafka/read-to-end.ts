/**
 * A bounded scan: reads topics from their first retained offset up to the end offsets they had when the scan
 * started, then stops. Operator commands need "everything there is now", where a consumer would wait forever
 * for more. kafkajs cannot consume without a group, so the scan uses a throwaway group that never commits and
 * is deleted afterwards.
 *
 * Transactions: the scan reads committed messages only (kafkajs' default), and the end offsets are the last
 * stable ones: a transaction still open when the scan starts (or committed, but whose markers are not written
 * yet, milliseconds after commit() returned) is not waited for, nor is anything after it. The last offsets of a transactional topic (the reader's state topic) are commit or abort markers,
 * control records that are never delivered as messages, so "the last message reached the end" would never
 * hold there. The end is detected from kafkajs' END_BATCH_PROCESS event instead: its `lastOffset` counts the
 * records a batch filtered out (markers, aborted messages), and it fires even for a batch of markers only
 * (kafkajs consumer/runner.js, `isEmptyDueToFiltering`).
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { PipelineError } from '../errors/index.ts';

/** A message as read, without kafkajs types: header values as bytes, always a list (a header may repeat). */
export interface TopicRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch: when the broker (or the producer) stamped the message. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer[]>;
}

export interface ReadToEndOptions {
  timeoutMs: number;
  /** Prefix of the throwaway group's name, so a leftover group says who made it. */
  groupPrefix: string;
}

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

function headersOf(raw: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined) {
  const headers: Record<string, Buffer[]> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    headers[name] = (Array.isArray(value) ? value : [value]).map((item) =>
      Buffer.isBuffer(item) ? item : Buffer.from(item),
    );
  }
  return headers;
}

/** Calls `onRecord` once per message, in offset order per partition; returns when every partition is read. */
export async function readTopicsToEnd(
  kafka: Kafka,
  admin: Admin,
  topics: readonly string[],
  onRecord: (record: TopicRecord) => void,
  options: ReadToEndOptions,
): Promise<void> {
  // The end of each non-empty partition, fixed now: messages produced during the scan are not waited for.
  const ends = new Map<string, number>();
  for (const topic of topics) {
    for (const bound of await admin.fetchTopicOffsets(topic)) {
      if (Number(bound.high) > Number(bound.low))
        ends.set(partitionKey(topic, bound.partition), Number(bound.high));
    }
  }
  if (ends.size === 0) return;
  const busyTopics = [...new Set([...ends.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))];
  // Next offset to hand out per partition: a batch delivered twice (a retried fetch) is not counted twice.
  const next = new Map<string, number>();
  const groupId = `${options.groupPrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, retry: { retries: 5 }, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: busyTopics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const unread = [...ends.keys()].join(', ');
        reject(
          new PipelineError(
            'KAFKA_UNAVAILABLE',
            `could not read ${unread} to the end within ${options.timeoutMs / 1000} s`,
            { retriable: true },
          ),
        );
      }, options.timeoutMs);
      const reached = (key: string, lastOffset: number) => {
        const end = ends.get(key);
        if (end === undefined || lastOffset + 1 < end) return;
        ends.delete(key);
        if (ends.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      // Emitted after eachBatch handed out the batch's messages, so everything up to lastOffset is delivered.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
        reached(partitionKey(payload.topic, payload.partition), Number(payload.lastOffset)),
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const key = partitionKey(batch.topic, batch.partition);
            const end = ends.get(key);
            if (end === undefined) return;
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset >= end) break;
              if (offset < (next.get(key) ?? 0)) continue;
              next.set(key, offset + 1);
              onRecord({
                topic: batch.topic,
                partition: batch.partition,
                offset,
                timestamp: Number(message.timestamp),
                key: message.key,
                value: message.value,
                headers: headersOf(message.headers),
              });
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
