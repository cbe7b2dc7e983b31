/**
 * The dead-letter topics: `<topic>.dlq`, one per captured topic, where a message that can never be applied as
 * it is goes with headers naming the cause and where it came from (the `cdc dlq` commands read them back).
 * The original key and value bytes are kept as they were, so a replay after a fix is the same message.
 */
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { PipelineError } from '../../lib/errors/index.ts';
import { deadLetterHeaders, deadLetterTopic } from '../../lib/kafka/dead-letters.ts';
import type { Logger } from '../../lib/logging/index.ts';
import { type Notifier, noopNotifier } from '../../lib/notify/index.ts';
import type { SinkMetrics } from './metrics.ts';

export { deadLetterTopic };

/** Long enough for someone to look after a holiday. */
const retentionMs = 30 * 24 * 3600 * 1000;

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  error: PipelineError;
}

/** The dead letter of a consumed message: its original bytes, where it came from, and why. */
export function letterOf(
  topic: string,
  partition: number,
  message: KafkaMessage,
  error: PipelineError,
): DeadLetter {
  return { topic, partition, offset: message.offset, key: message.key, value: message.value, error };
}

export class DeadLetters {
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly metrics: SinkMetrics,
    private readonly logger: Logger,
    private readonly notifier: Notifier = noopNotifier,
  ) {}

  /** Creates the missing dead-letter topics (one partition each) and connects the producer. */
  async open(admin: Admin, topics: readonly string[]): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = topics.map(deadLetterTopic).filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: 1,
            configEntries: [{ name: 'retention.ms', value: String(retentionMs) }],
          })),
        })
        .catch(async (error: unknown) => {
          // Another replica may have created them meanwhile.
          const now = new Set(await admin.listTopics());
          if (missing.some((topic) => !now.has(topic))) throw error;
        });
    }
    // Not idempotent: kafkajs wants unbounded retries for that, and a send that keeps failing must fail the
    // slice (retried from the cursor) instead. A duplicate dead letter is harmless: a replay is order-safe.
    this.producer = this.kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  /**
   * Acknowledged by every in-sync replica before it returns (the caller moves the cursor past them next), then
   * counted and logged.
   */
  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    if (!this.producer) throw new Error('DeadLetters.send before open');
    const byTopic = new Map<string, DeadLetter[]>();
    for (const letter of letters) {
      const list = byTopic.get(letter.topic) ?? [];
      list.push(letter);
      byTopic.set(letter.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic: deadLetterTopic(topic),
        messages: list.map((letter) => ({
          key: letter.key,
          value: letter.value,
          headers: {
            [deadLetterHeaders.errorCode]: letter.error.code,
            [deadLetterHeaders.errorMessage]: letter.error.message.slice(0, 2000),
            [deadLetterHeaders.originalTopic]: letter.topic,
            [deadLetterHeaders.originalPartition]: String(letter.partition),
            [deadLetterHeaders.originalOffset]: letter.offset,
          },
        })),
      })),
    });
    this.record(letters);
  }

  /** Counts and logs sent letters: the code and where it came from; the message may quote a value (row data). */
  private record(letters: readonly DeadLetter[]): void {
    const byTopic = new Map<string, DeadLetter[]>();
    for (const letter of letters) byTopic.set(letter.topic, [...(byTopic.get(letter.topic) ?? []), letter]);
    for (const [topic, sent] of byTopic) {
      const codes = [...new Set(sent.map((letter) => letter.error.code))].join(', ');
      // Rate-limited per topic by the notifier; codes and counts only, never the messages (they quote values).
      this.notifier.notify({
        kind: 'failure',
        service: 'raw-sink',
        key: `dlq:${topic}`,
        title: `${sent.length} message(s) of ${topic} sent to the dead-letter topic`,
        detail: `The partition moved on. See them with \`cdc dlq list --topic ${topic}\`; fix the cause, then \`cdc dlq replay\`.`,
        fields: { topic, codes, count: sent.length },
      });
    }
    for (const letter of letters) {
      this.metrics.deadLetters.inc({ topic: letter.topic, code: letter.error.code });
      this.logger.warn(
        { topic: letter.topic, partition: letter.partition, offset: letter.offset, code: letter.error.code },
        'poison message sent to the dead-letter topic',
      );
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }
}
