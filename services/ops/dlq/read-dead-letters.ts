/**
 * Every dead letter of some DLQ topics, read from the first retained offset to the end as it was when the read
 * started (new letters arriving meanwhile wait for the next run). The bytes are kept only for the letters
 * `keepPayload` picks: a list never holds row data in memory, a replay only what it sends.
 */
import type { Admin, Kafka } from 'kafkajs';
import { PipelineError } from '../../../lib/errors/index.ts';
import { readTopicsToEnd } from '../../../lib/kafka/read-to-end.ts';
import { type DeadLetter, parseDeadLetter } from './dead-letter.ts';

export interface ReadDeadLettersOptions {
  timeoutMs: number;
  keepPayload?: (letter: DeadLetter) => boolean;
}

/** A dead letter is named by its DLQ topic and offset, which only works with one partition. */
async function requireSinglePartition(admin: Admin, dlqTopics: readonly string[]): Promise<void> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [...dlqTopics] });
  for (const topic of topics) {
    if (topic.partitions.length !== 1) {
      throw new PipelineError(
        'COMMAND_FAILED',
        `${topic.name} has ${topic.partitions.length} partitions; a dead-letter topic has exactly one ` +
          '(the sink creates it so), because its letters are named by offset',
      );
    }
  }
}

export async function readDeadLetters(
  kafka: Kafka,
  admin: Admin,
  dlqTopics: readonly string[],
  options: ReadDeadLettersOptions,
): Promise<DeadLetter[]> {
  if (dlqTopics.length === 0) return [];
  await requireSinglePartition(admin, dlqTopics);
  const letters: DeadLetter[] = [];
  await readTopicsToEnd(
    kafka,
    admin,
    dlqTopics,
    (record) => {
      const letter = parseDeadLetter(record);
      letters.push(options.keepPayload?.(letter) ? parseDeadLetter(record, true) : letter);
    },
    { timeoutMs: options.timeoutMs, groupPrefix: 'cdc-dlq-read' },
  );
  return letters.sort((a, b) => a.dlqTopic.localeCompare(b.dlqTopic) || a.dlqOffset - b.dlqOffset);
}
