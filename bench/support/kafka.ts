/** Kafka and registry bookkeeping of a bench run: where a topic ends, and removing what the run created. */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { keySubject, valueSubject } from '../../lib/registry/index.ts';

export function benchKafka(brokers: string[]): Kafka {
  return new Kafka({
    clientId: 'bench',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 10_000,
    requestTimeout: 30_000,
    retry: { retries: 3 },
  });
}

/** Partition → end offset (high watermark), and their sum: the topic's message count when it starts at 0. */
export async function topicEnds(
  admin: Admin,
  topic: string,
): Promise<{ ends: Record<number, string>; total: number }> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return {
    ends: Object.fromEntries(offsets.map((offset) => [offset.partition, offset.high])),
    total: offsets.reduce((sum, offset) => sum + Number(offset.high), 0),
  };
}

/** Deletes the run's topics (every topic under `prefix`, DLQs included), consumer groups and subjects. */
export async function removeKafkaArtefacts(
  brokers: string[],
  registryUrl: string,
  prefix: string,
  groups: readonly string[],
  topics: readonly string[],
): Promise<void> {
  const admin = benchKafka(brokers).admin();
  await admin.connect();
  try {
    if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
    const owned = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (owned.length > 0) await admin.deleteTopics({ topics: owned, timeout: 30_000 }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  for (const subject of topics.flatMap((topic) => [keySubject(topic), valueSubject(topic)])) {
    // Soft delete first: the Confluent API refuses a permanent delete of a subject that is not soft-deleted.
    for (const suffix of ['', '?permanent=true']) {
      await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}${suffix}`, {
        method: 'DELETE',
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
    }
  }
}
