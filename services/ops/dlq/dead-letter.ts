/**
 * A dead letter as the operator sees it: where it sits in the DLQ, where it came from, why it failed. Built
 * from the headers the sink writes (lib/kafka/dead-letters.ts). The key and value bytes are row data, personal
 * data: they are kept only for a replay, and never shown (their sizes are).
 */
import { deadLetterHeaders, sourceTopicOf } from '../../../lib/kafka/dead-letters.ts';
import type { TopicRecord } from '../../../lib/kafka/read-to-end.ts';

export interface DeadLetter {
  dlqTopic: string;
  dlqOffset: number;
  /** From the headers; undefined when missing or malformed (then `problem` says so). */
  originalTopic: string | undefined;
  originalPartition: number | undefined;
  originalOffset: number | undefined;
  errorCode: string;
  errorMessage: string;
  /** When the sink parked it (the DLQ message's timestamp), ISO 8601. */
  deadLetteredAt: string;
  keyBytes: number;
  /** null for a tombstone. */
  valueBytes: number | null;
  /** Why this letter cannot be replayed as it is; undefined when it can. */
  problem: string | undefined;
  /** The bytes to re-produce: only present when the caller asked for them (a replay). */
  payload?: DeadLetterPayload;
}

export interface DeadLetterPayload {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer[]>;
}

const text = (record: TopicRecord, name: string) => record.headers[name]?.[0]?.toString('utf8');

function nonNegativeInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

function problemOf(
  letter: Omit<DeadLetter, 'problem'>,
  rawPartition: string | undefined,
): string | undefined {
  const expected = sourceTopicOf(letter.dlqTopic);
  if (letter.originalTopic === undefined) return `no ${deadLetterHeaders.originalTopic} header`;
  // A replay writes to the original topic: never to one this DLQ does not belong to, whatever a header says.
  if (letter.originalTopic !== expected)
    return `its original topic ${letter.originalTopic} is not ${expected}, the topic of this DLQ`;
  if (letter.originalPartition === undefined)
    return rawPartition === undefined
      ? `no ${deadLetterHeaders.originalPartition} header`
      : `${deadLetterHeaders.originalPartition} is not a partition number`;
  if (letter.originalOffset === undefined) return `no valid ${deadLetterHeaders.originalOffset} header`;
  return undefined;
}

export function parseDeadLetter(record: TopicRecord, keepPayload = false): DeadLetter {
  const rawPartition = text(record, deadLetterHeaders.originalPartition);
  const letter: Omit<DeadLetter, 'problem'> = {
    dlqTopic: record.topic,
    dlqOffset: record.offset,
    originalTopic: text(record, deadLetterHeaders.originalTopic),
    originalPartition: nonNegativeInteger(rawPartition),
    originalOffset: nonNegativeInteger(text(record, deadLetterHeaders.originalOffset)),
    errorCode: text(record, deadLetterHeaders.errorCode) ?? 'UNKNOWN',
    errorMessage: text(record, deadLetterHeaders.errorMessage) ?? '',
    deadLetteredAt: new Date(record.timestamp).toISOString(),
    keyBytes: record.key?.length ?? 0,
    valueBytes: record.value === null ? null : record.value.length,
  };
  return {
    ...letter,
    problem: problemOf(letter, rawPartition),
    ...(keepPayload ? { payload: { key: record.key, value: record.value, headers: record.headers } } : {}),
  };
}

/** `<dlq topic>/<offset>`: how a dead letter is named in output, headers and the audit trail. */
export const letterId = (letter: Pick<DeadLetter, 'dlqTopic' | 'dlqOffset'>) =>
  `${letter.dlqTopic}/${letter.dlqOffset}`;
