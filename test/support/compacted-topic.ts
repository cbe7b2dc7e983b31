/**
 * Topics that Kafka really compacts within seconds, for tests of what a consumer sees after compaction: small
 * segments (a segment rolls at the first message after `segment.ms`), no compaction lag, a tiny dirty ratio, and
 * tombstones kept for an hour. Only closed segments are cleaned, and the broker's cleaner looks for work every
 * 15 s, so a test keeps writing (`rolling`) and waits (`waitUntilCompacted`) until the cleaner has passed.
 */
import type { Kafka } from 'kafkajs';
import { readTopicsToEnd, type TopicRecord } from '../../lib/kafka/read-to-end.ts';
import type { SchemaRegistryClient } from '../../lib/registry/index.ts';

export async function createCompactedTopic(kafka: Kafka, topic: string, partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: '200' },
            { name: 'min.compaction.lag.ms', value: '0' },
            { name: 'min.cleanable.dirty.ratio', value: '0.001' },
            { name: 'delete.retention.ms', value: String(3_600_000) },
            { name: 'max.message.bytes', value: String(4 * 1024 * 1024) },
          ],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

export interface DecodedRecord {
  partition: number;
  offset: number;
  /** The decoded key, JSON (bigints as strings), for comparisons. */
  key: string;
  value: Record<string, unknown> | null;
  headers: Record<string, string>;
}

const json = (value: unknown) =>
  JSON.stringify(value, (_, item) => (typeof item === 'bigint' ? item.toString() : item));

/** Every record the topic holds now, decoded, in offset order per partition. */
export async function readCompacted(
  kafka: Kafka,
  registry: SchemaRegistryClient,
  topic: string,
): Promise<DecodedRecord[]> {
  const records: TopicRecord[] = [];
  const admin = kafka.admin();
  await admin.connect();
  try {
    await readTopicsToEnd(kafka, admin, [topic], (record) => records.push(record), {
      timeoutMs: 30_000,
      groupPrefix: 'compaction-test',
    });
  } finally {
    await admin.disconnect();
  }
  const decoded: DecodedRecord[] = [];
  for (const record of records) {
    decoded.push({
      partition: record.partition,
      offset: record.offset,
      key: record.key ? json(await registry.decode(record.key)) : 'null',
      value: record.value ? ((await registry.decode(record.value)) as Record<string, unknown>) : null,
      headers: Object.fromEntries(
        Object.entries(record.headers).map(([name, values]) => [name, String(values[0])]),
      ),
    });
  }
  return decoded.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/**
 * Keeps calling `write` (which must append to the topic, so segments roll) until `compacted` holds for the
 * topic's records, or fails after `timeoutMs`.
 */
export async function waitUntilCompacted(
  options: {
    kafka: Kafka;
    registry: SchemaRegistryClient;
    topic: string;
    write: () => Promise<void>;
    compacted: (records: DecodedRecord[]) => boolean;
  },
  timeoutMs = 120_000,
): Promise<DecodedRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await options.write();
    const records = await readCompacted(options.kafka, options.registry, options.topic);
    if (options.compacted(records)) return records;
    if (Date.now() > deadline) {
      throw new Error(`${options.topic}: not compacted as expected within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
