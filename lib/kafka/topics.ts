/**
 * Topics are created on demand, compacted so that a full replay is always possible (the latest event of every
 * key stays), with tombstones kept long enough for every consumer to see a delete.
 */
import type { Admin } from 'kafkajs';
import { PipelineError } from '../errors/index.ts';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  /** How long a tombstone (delete marker) survives compaction; consumers must catch up within it. */
  tombstoneRetentionMs?: number;
  /** Largest message accepted, for wide rows with large text. */
  maxMessageBytes?: number;
}

export const defaultTombstoneRetentionMs = 7 * 24 * 3600 * 1000;

export function changeTopicConfig(settings: TopicSettings): { name: string; value: string }[] {
  return [
    { name: 'cleanup.policy', value: 'compact' },
    {
      name: 'delete.retention.ms',
      value: String(settings.tombstoneRetentionMs ?? defaultTombstoneRetentionMs),
    },
    // Keep the recent tail uncompacted so consumers lagging a little still see every intermediate change.
    { name: 'min.compaction.lag.ms', value: String(60 * 60 * 1000) },
    { name: 'max.message.bytes', value: String(settings.maxMessageBytes ?? 4 * 1024 * 1024) },
  ];
}

/** Creates missing topics; existing topics are left as they are (an operator may have tuned them). */
export class TopicManager {
  private readonly known = new Set<string>();

  constructor(
    private readonly admin: Admin,
    private readonly settings: TopicSettings,
  ) {}

  async ensure(topics: readonly string[]): Promise<string[]> {
    const missing = topics.filter((topic) => !this.known.has(topic));
    if (missing.length === 0) return [];
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((topic) => !existing.has(topic));
    if (toCreate.length > 0) {
      try {
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: toCreate.map((topic) => ({
            topic,
            numPartitions: this.settings.partitions,
            replicationFactor: this.settings.replicationFactor,
            configEntries: changeTopicConfig(this.settings),
          })),
        });
      } catch (error) {
        // Another instance may have created it between listTopics and createTopics: that is fine.
        const stillMissing = toCreate.filter((topic) => !existing.has(topic));
        const now = new Set(await this.admin.listTopics());
        if (stillMissing.some((topic) => !now.has(topic))) {
          throw new PipelineError('KAFKA_UNAVAILABLE', `could not create topics ${toCreate.join(', ')}`, {
            cause: error,
            retriable: true,
          });
        }
      }
    }
    for (const topic of missing) this.known.add(topic);
    return toCreate;
  }
}
