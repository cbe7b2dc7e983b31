/**
 * What a replay run will do with each dead letter, decided before anything is sent, so `--dry-run` prints
 * exactly the plan a real run executes. Pure: the letters, their replay records and the partition counts of
 * the original topics come in; a list of decisions in DLQ order comes out (the DLQ holds each original
 * partition's letters in their original order, and a replay keeps it).
 */
import type { DeadLetter } from './dead-letter.ts';
import { type ReplayRecord, replayOf } from './replay-records.ts';

export type ReplaySelection =
  | { kind: 'offsets'; offsets: readonly number[] }
  | { kind: 'code'; code: string }
  | { kind: 'all-pending' };

export type ReplayDecision =
  | { action: 'replay'; letter: DeadLetter; previous: ReplayRecord | undefined }
  | { action: 'skip'; letter: DeadLetter; previous: ReplayRecord }
  | { action: 'refuse'; letter: DeadLetter; reason: string };

export interface ReplayPlanInput {
  letters: readonly DeadLetter[];
  replays: Map<string, ReplayRecord>;
  /** Partition count of each original topic that exists. */
  partitions: Map<string, number>;
  selection: ReplaySelection;
  force: boolean;
}

export function isSelected(
  letter: DeadLetter,
  selection: ReplaySelection,
  replays: Map<string, ReplayRecord>,
): boolean {
  switch (selection.kind) {
    case 'offsets':
      return selection.offsets.includes(letter.dlqOffset);
    case 'code':
      return letter.errorCode === selection.code;
    case 'all-pending':
      return replayOf(letter, replays) === undefined;
  }
}

/** Why the letter cannot go back to its original partition, if it cannot. */
function refusal(letter: DeadLetter, partitions: Map<string, number>): string | undefined {
  if (letter.problem) return letter.problem;
  const count = partitions.get(letter.originalTopic as string);
  if (count === undefined) return `the original topic ${letter.originalTopic} does not exist`;
  // Another partition would break per-key order, so there is no fallback.
  if ((letter.originalPartition as number) >= count)
    return `${letter.originalTopic} has no partition ${letter.originalPartition} (it has ${count})`;
  return undefined;
}

export function planReplay(input: ReplayPlanInput): ReplayDecision[] {
  return input.letters
    .filter((letter) => isSelected(letter, input.selection, input.replays))
    .sort((a, b) => a.dlqTopic.localeCompare(b.dlqTopic) || a.dlqOffset - b.dlqOffset)
    .map((letter): ReplayDecision => {
      const reason = refusal(letter, input.partitions);
      if (reason) return { action: 'refuse', letter, reason };
      const previous = replayOf(letter, input.replays);
      if (previous && !input.force) return { action: 'skip', letter, previous };
      return { action: 'replay', letter, previous };
    });
}

/** Offsets asked for with --offset that the DLQ does not hold (never written, or past its retention). */
export function missingOffsets(letters: readonly DeadLetter[], offsets: readonly number[]): number[] {
  const present = new Set(letters.map((letter) => letter.dlqOffset));
  return offsets.filter((offset) => !present.has(offset));
}
