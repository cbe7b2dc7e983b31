/**
 * The dead-letter contract between the raw sink (which parks a poison message) and the operator CLI (which
 * lists and replays it): the DLQ topic's name and the headers a dead letter carries. The key and value are the
 * original bytes, untouched, so a replay re-produces exactly what failed.
 */

const suffix = '.dlq';

/** `<topic>.dlq`: one per captured topic, one partition, created by the sink at start. */
export const deadLetterTopic = (topic: string): string => `${topic}${suffix}`;

export const isDeadLetterTopic = (topic: string): boolean => topic.endsWith(suffix);

/** The captured topic a DLQ topic belongs to. */
export const sourceTopicOf = (dlqTopic: string): string => dlqTopic.slice(0, -suffix.length);

export const deadLetterHeaders = {
  errorCode: 'cdc-error-code',
  errorMessage: 'cdc-error-message',
  originalTopic: 'cdc-original-topic',
  originalPartition: 'cdc-original-partition',
  originalOffset: 'cdc-original-offset',
} as const;

/** Set on a replayed copy: `<dlq topic>/<dlq offset>`, the dead letter it came from. */
export const replayedFromHeader = 'cdc-replayed-from';
