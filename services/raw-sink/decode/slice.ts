/**
 * One slice of a partition's batch, decoded: the changes to apply, the dead letters, what does not land (for
 * the snapshot ends, apply/unlanded-rows-sql.ts), and where the slice stops (a message whose writer schema the
 * raw table cannot take pauses the table there). Decoding alone: nothing here writes.
 */
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { classifyError, type PipelineError } from '../../../lib/errors/index.ts';
import type { UnlandedChange } from '../apply/apply-batch.ts';
import type { TableChange } from '../apply/coalesce.ts';
import type { CursorPosition } from '../cursor/stored-cursor.ts';
import { type DeadLetter, letterOf } from '../dead-letters.ts';
import type { CapturedTopic } from '../schema/captured-topic.ts';

export interface DecodedSlice {
  changes: TableChange[];
  letters: DeadLetter[];
  unlanded: UnlandedChange[];
  /** The slice's messages by offset (a row the raw table refuses is dead-lettered as its message). */
  byOffset: Map<bigint, KafkaMessage>;
  skipped: number;
  /** The first message whose writer schema the raw table cannot take: it and the rest wait. */
  pause?: { schemaId: number; reason: string };
  /** The last message decoded (applied, skipped or dead-lettered). */
  settled?: KafkaMessage;
  /** The last message below the stored cursor (a redelivery before the seek took effect). */
  alreadyApplied?: KafkaMessage;
  /** The offset from which this partition was read without a hole (apply/incomplete-rows.ts). */
  unbrokenSince: bigint;
}

export async function decodeSlice(
  captured: CapturedTopic,
  batch: Pick<EachBatchPayload['batch'], 'topic' | 'partition'>,
  messages: readonly KafkaMessage[],
  position: CursorPosition | undefined,
): Promise<DecodedSlice> {
  const next = position?.next ?? 0n;
  // Records missing between two read (compaction, a forward skip): from there on, an unchanged TOAST column
  // cannot be taken from a raw row written before (apply/incomplete-rows.ts).
  const slice: DecodedSlice = {
    changes: [],
    letters: [],
    unlanded: [],
    byOffset: new Map(),
    skipped: 0,
    unbrokenSince: position && position.unbrokenSince <= next ? position.unbrokenSince : next,
  };
  let expected = next;
  const where = { topic: batch.topic, partition: batch.partition };
  for (const message of messages) {
    const offset = BigInt(message.offset);
    if (offset < next) {
      slice.alreadyApplied = message;
      continue;
    }
    slice.byOffset.set(offset, message);
    if (offset > expected) slice.unbrokenSince = offset;
    expected = offset + 1n;
    try {
      const decoded = await captured.decoder.decode({
        partition: batch.partition,
        offset,
        value: message.value,
        key: message.key,
        headers: message.headers,
        unbrokenSince: slice.unbrokenSince,
      });
      if (decoded.kind !== 'tombstone') {
        const reason = await captured.reconcile(decoded.schemaId);
        if (reason !== undefined) {
          slice.pause = { schemaId: decoded.schemaId, reason };
          break; // this message and the rest of the partition wait for the migration
        }
      }
      if (decoded.kind === 'change') slice.changes.push(decoded.change);
      else if (decoded.kind === 'tombstone' && decoded.change) slice.changes.push(decoded.change);
      else slice.skipped++;
      if (decoded.kind === 'skipped') {
        const key = await captured.decoder.keyOfMessage(message).catch(() => undefined);
        // Without a key it cannot be told whether raw holds the row; a skip is not a loss (README).
        if (key)
          slice.unlanded.push({ ...where, offset, key, position: decoded.position, reason: 'skipped' });
      }
    } catch (error) {
      if (classifyError(error) !== 'dead-letter') throw error;
      slice.letters.push(letterOf(batch.topic, batch.partition, message, error as PipelineError));
      const identity = await captured.decoder.identify({
        ...where,
        offset,
        value: message.value,
        key: message.key,
      });
      slice.unlanded.push({ ...where, offset, ...identity, reason: 'dead-letter' });
    }
    slice.settled = message;
  }
  return slice;
}
