/**
 * Tables paused because one of their messages is larger than their topic accepts (`max.message.bytes`).
 *
 * Kafka refuses such a message for good, and the reader cannot confirm past it, so without this one row would
 * stop every table. Instead the run that met it ends, the table is paused (like a schema the registry rejects,
 * pipeline/captured-tables.ts: its changes are held in the slot, the other tables stream on), and the replay
 * streams the rest. The pause outlives the run (the replay would meet the row again) and is lifted once the
 * topic's limit takes the message: the reader checks the limit itself, and a replay sends the row and what
 * followed. Nothing is skipped.
 */
import type { Admin } from 'kafkajs';
// kafkajs is CommonJS and Node's ESM loader does not see this export by name (tsx does): the default import.
import kafkajs from 'kafkajs';
import { PipelineError } from '../../../lib/errors/index.ts';

/** Record batch and record headers around a message: a message this close to the limit is refused too. */
const batchOverheadBytes = 512;

export interface OversizedMessage {
  topic: string;
  /** Connector name (for alerts and metrics). */
  table: string;
  bytes: number;
  limit: number;
}

/** What a send that failed for good says about its largest message (producer/batching-producer.ts). */
export function largestMessageOf(error: unknown): { topic: string; bytes: number } | undefined {
  if (!(error instanceof PipelineError) || error.retriable) return undefined;
  const { topic, bytes } = (error.details ?? {}) as { topic?: unknown; bytes?: unknown };
  return typeof topic === 'string' && typeof bytes === 'number' ? { topic, bytes } : undefined;
}

/** The topic's `max.message.bytes` as the broker applies it (the topic's own, or the broker default). */
export async function topicMessageLimit(admin: Admin, topic: string): Promise<number> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
  });
  const value = described.resources[0]?.configEntries.find(
    (entry) => entry.configName === 'max.message.bytes',
  );
  const limit = Number(value?.configValue);
  if (!Number.isFinite(limit) || limit <= 0) {
    throw new PipelineError('KAFKA_UNAVAILABLE', `could not read max.message.bytes of topic ${topic}`);
  }
  return limit;
}

export function fitsLimit(bytes: number, limit: number): boolean {
  return bytes + batchOverheadBytes <= limit;
}

export class OversizedTables {
  private readonly byTopic = new Map<string, OversizedMessage>();

  pause(message: OversizedMessage): void {
    this.byTopic.set(message.topic, message);
  }

  get(topic: string): OversizedMessage | undefined {
    return this.byTopic.get(topic);
  }

  get size(): number {
    return this.byTopic.size;
  }

  /** Reads the paused topics' limits again; the tables whose message fits now are lifted (true: replay). */
  async retry(limitOf: (topic: string) => Promise<number>): Promise<OversizedMessage[]> {
    const lifted: OversizedMessage[] = [];
    for (const message of [...this.byTopic.values()]) {
      const limit = await limitOf(message.topic);
      if (!fitsLimit(message.bytes, limit)) continue;
      this.byTopic.delete(message.topic);
      lifted.push({ ...message, limit });
    }
    return lifted;
  }
}

/** The error a paused table reports: what happened and the two ways out. */
export function oversizedError(message: OversizedMessage): PipelineError {
  return new PipelineError(
    'KAFKA_UNAVAILABLE',
    `table ${message.table} is paused: one of its changes is a ${message.bytes}-byte message, over the ` +
      `max.message.bytes of topic ${message.topic} (${message.limit}). Nothing is lost: the slot holds its ` +
      "changes (other tables keep streaming; the slot's confirmed position waits). Raise max.message.bytes on " +
      "the topic (and the broker's message.max.bytes / replica.fetch.max.bytes if needed), or exclude the " +
      'large column in the connector and redeploy; the reader checks the limit by itself and resumes the table ' +
      'by replaying from the slot',
    { retriable: false, details: { table: message.table, topic: message.topic, bytes: message.bytes } },
  );
}
