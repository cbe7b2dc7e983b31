/**
 * Each consumer group's position on each captured partition: the sink's cursor (analytics database), Kafka's
 * committed copy, the partition's bounds, and how far behind that is in messages and in seconds (the age of the
 * oldest message not applied yet, read from Kafka without joining any group).
 */
import type { Admin } from 'kafkajs';
import type { MessageTimes, OffsetProbe } from '../../../lib/kafka/message-times.ts';
import { cursorKey } from './cursor-state.ts';
import type { ConsumerGroupState, PartitionLag } from './state.ts';

export interface TopicBounds {
  partition: number;
  low: number;
  high: number;
}

export async function readTopicBounds(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, TopicBounds[]>> {
  const existing = new Set(await admin.listTopics());
  const bounds = new Map<string, TopicBounds[]>();
  for (const topic of topics) {
    if (!existing.has(topic)) continue;
    const offsets = await admin.fetchTopicOffsets(topic);
    bounds.set(
      topic,
      offsets
        .map((offset) => ({
          partition: offset.partition,
          low: Number(offset.low),
          high: Number(offset.high),
        }))
        .sort((a, b) => a.partition - b.partition),
    );
  }
  return bounds;
}

export async function readConsumerGroups(
  admin: Admin,
  messageTimes: MessageTimes,
  groupIds: readonly string[],
  bounds: ReadonlyMap<string, TopicBounds[]>,
  cursors: ReadonlyMap<string, number>,
  now: Date,
): Promise<ConsumerGroupState[]> {
  const topics = [...bounds.keys()];
  const { groups } = await admin.describeGroups([...groupIds]);
  const states: ConsumerGroupState[] = [];
  for (const groupId of groupIds) {
    const described = groups.find((group) => group.groupId === groupId);
    const committed = new Map<string, number>();
    for (const topic of await admin.fetchOffsets({ groupId, topics })) {
      for (const partition of topic.partitions) {
        if (Number(partition.offset) >= 0) {
          committed.set(`${topic.topic}/${partition.partition}`, Number(partition.offset));
        }
      }
    }
    const partitions: PartitionLag[] = [];
    for (const [topic, partitionBounds] of bounds) {
      for (const { partition, low, high } of partitionBounds) {
        const cursor = cursors.get(cursorKey(groupId, topic, partition)) ?? null;
        // Messages below the first retained offset can no longer be applied: the sink starts from `low`.
        const next = Math.max(cursor ?? low, low);
        partitions.push({
          topic,
          partition,
          cursor,
          kafkaCommitted: committed.get(`${topic}/${partition}`) ?? null,
          startOffset: low,
          endOffset: high,
          lagMessages: Math.max(0, high - next),
          lagSeconds: high > next ? null : 0,
        });
      }
    }
    await fillLagSeconds(messageTimes, partitions, now);
    const lagSeconds = partitions.map((partition) => partition.lagSeconds);
    states.push({
      groupId,
      groupState: described?.state ?? null,
      members: described?.members.length ?? 0,
      partitions,
      lagMessages: partitions.reduce((total, partition) => total + partition.lagMessages, 0),
      lagSeconds: lagSeconds.includes(null) ? null : Math.max(0, ...(lagSeconds as number[])),
    });
  }
  return states;
}

/** The age of the message at the cursor of every lagging partition, in one fetch per leader. */
async function fillLagSeconds(
  messageTimes: MessageTimes,
  partitions: PartitionLag[],
  now: Date,
): Promise<void> {
  const lagging = partitions.filter((partition) => partition.lagMessages > 0);
  const probes: OffsetProbe[] = lagging.map((partition) => ({
    topic: partition.topic,
    partition: partition.partition,
    offset: Math.max(partition.cursor ?? partition.startOffset, partition.startOffset),
  }));
  const times = await messageTimes.timestamps(probes);
  for (const partition of lagging) {
    const time = times.get(`${partition.topic}/${partition.partition}`);
    partition.lagSeconds = time === undefined ? null : Math.max(0, (now.getTime() - time) / 1000);
  }
}
