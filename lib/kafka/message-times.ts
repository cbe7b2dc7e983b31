/**
 * The Kafka timestamp of the message at a given offset, read without joining a consumer group: one Fetch
 * request to the partition's leader (@platformatic/kafka's low-level fetch). Lag in seconds needs "how old is
 * the oldest message not yet applied", and kafkajs can only read through a group, whose join costs seconds
 * and leaves traces; this is one small round trip per partition.
 */
import { Consumer } from '@platformatic/kafka';
import type { PlatformaticConnection } from './platformatic.ts';

export interface OffsetProbe {
  topic: string;
  partition: number;
  offset: number;
}

export interface MessageTimes {
  /** Milliseconds since the epoch of the message at each probe's offset (or the next one present, after
   * compaction); a probe whose offset holds nothing yet is left out. Keys are `topic/partition`. */
  timestamps(probes: readonly OffsetProbe[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

const probeKey = (topic: string, partition: number) => `${topic}/${partition}`;

export function createMessageTimes(connection: PlatformaticConnection): MessageTimes {
  // A group id is required by the client's options, but no group is ever joined: only Metadata and Fetch.
  const consumer = new Consumer({
    ...connection,
    groupId: `${connection.clientId}-message-times`,
    retries: 2,
    retryDelay: 250,
    timeout: 10_000,
  });
  return {
    async timestamps(probes) {
      const found = new Map<string, number>();
      if (probes.length === 0) return found;
      const topics = [...new Set(probes.map((probe) => probe.topic))];
      const metadata = await consumer.metadata({ topics });
      // One Fetch per partition: Kafka returns an oversized record batch whole only for the first partition
      // of a response (KIP-74), and a large transaction makes large batches. A tiny size limit then means
      // "just the batch holding this offset".
      await Promise.all(
        probes.map(async (probe) => {
          const topic = metadata.topics.get(probe.topic);
          const node = topic?.partitions[probe.partition]?.leader;
          if (!topic || node === undefined) return;
          const response = await consumer.fetch({
            node,
            maxWaitTime: 0,
            minBytes: 1,
            maxBytes: 1024,
            topics: [
              {
                topicId: topic.id,
                partitions: [
                  {
                    partition: probe.partition,
                    fetchOffset: BigInt(probe.offset),
                    partitionMaxBytes: 1024,
                    currentLeaderEpoch: -1,
                    lastFetchedEpoch: -1,
                  },
                ],
              },
            ],
          });
          const partition = response.responses[0]?.partitions[0];
          if (partition?.errorCode !== 0) return;
          const time = firstTimestampFrom(partition.records ?? [], BigInt(probe.offset));
          if (time !== undefined) found.set(probeKey(probe.topic, probe.partition), time);
        }),
      );
      return found;
    },
    close: () => consumer.close(),
  };
}

/**
 * A fetch returns whole record batches, which may start before the offset asked for: the first record at or
 * after `offset` is the one (compaction may have removed the exact offset).
 */
function firstTimestampFrom(
  batches: readonly {
    firstOffset: bigint;
    firstTimestamp: bigint;
    records: readonly { offsetDelta: number; timestampDelta: bigint }[];
  }[],
  offset: bigint,
): number | undefined {
  for (const batch of batches) {
    for (const record of batch.records) {
      if (batch.firstOffset + BigInt(record.offsetDelta) >= offset) {
        return Number(batch.firstTimestamp + record.timestampDelta);
      }
    }
  }
  return undefined;
}
