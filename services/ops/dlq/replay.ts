/**
 * Executes a replay plan: each letter is re-produced to its original topic and partition with its original key,
 * value and headers (minus the DLQ's own, plus `cdc-replayed-from`), then recorded in cdc.dlq_replays; the run
 * is recorded in cdc.operator_actions.
 *
 * Sending first and recording second means a crash in between replays that letter again next time: harmless,
 * because the sink applies a version only when its source LSN is not older than the stored row's. Recording
 * first would be worse: a letter marked replayed that never was. The run stops at the first failure, so a later
 * letter of a key never overtakes an earlier one that could not be sent.
 */
import type pg from 'pg';
import { deadLetterHeaders, replayedFromHeader } from '../../../lib/kafka/dead-letters.ts';
import { recordOperatorAction } from '../operator-actions.ts';
import { type DeadLetter, letterId } from './dead-letter.ts';
import type { ReplayDecision, ReplaySelection } from './replay-plan.ts';
import type { ReplayProducer } from './replay-producer.ts';
import { type ReplayRecord, recordReplay } from './replay-records.ts';

export interface ReplayOutcome {
  replayed: { letter: DeadLetter; replayedToOffset: number }[];
  skipped: { letter: DeadLetter; previous: ReplayRecord }[];
  refused: { letter: DeadLetter; reason: string }[];
  /** The first send or record that failed; the letters after it were not attempted. */
  failed: { letter: DeadLetter; reason: string } | undefined;
  notAttempted: DeadLetter[];
}

/** The DLQ's bookkeeping headers describe the dead letter, not the change: they stay in the DLQ. */
const dlqOnlyHeaders = new Set<string>([...Object.values(deadLetterHeaders), replayedFromHeader]);

export function replayHeaders(original: Record<string, Buffer[]>, from: string): Record<string, Buffer[]> {
  const headers = Object.fromEntries(Object.entries(original).filter(([name]) => !dlqOnlyHeaders.has(name)));
  return { ...headers, [replayedFromHeader]: [Buffer.from(from)] };
}

export async function executeReplay(
  plan: readonly ReplayDecision[],
  producer: ReplayProducer,
  client: pg.ClientBase,
  actor: string,
): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = {
    replayed: [],
    skipped: [],
    refused: [],
    failed: undefined,
    notAttempted: [],
  };
  for (const decision of plan) {
    const { letter } = decision;
    if (outcome.failed) {
      if (decision.action === 'replay') outcome.notAttempted.push(letter);
      continue;
    }
    if (decision.action === 'skip') {
      outcome.skipped.push({ letter, previous: decision.previous });
      continue;
    }
    if (decision.action === 'refuse') {
      outcome.refused.push({ letter, reason: decision.reason });
      continue;
    }
    if (!letter.payload) throw new Error(`${letterId(letter)} was read without its bytes`);
    // planReplay refuses letters without original coordinates, so these are set.
    const target = {
      topic: letter.originalTopic as string,
      partition: letter.originalPartition as number,
      offset: letter.originalOffset as number,
    };
    let replayedToOffset: number;
    try {
      replayedToOffset = await producer.send({
        topic: target.topic,
        partition: target.partition,
        key: letter.payload.key,
        value: letter.payload.value,
        headers: replayHeaders(letter.payload.headers, letterId(letter)),
      });
    } catch (error) {
      outcome.failed = { letter, reason: `could not send it: ${(error as Error).message}` };
      continue;
    }
    try {
      await recordReplay(client, {
        dlqTopic: letter.dlqTopic,
        dlqOffset: letter.dlqOffset,
        originalTopic: target.topic,
        originalPartition: target.partition,
        originalOffset: target.offset,
        replayedToOffset,
        actor,
      });
    } catch (error) {
      outcome.failed = {
        letter,
        reason: `sent to ${target.topic}[${target.partition}] at offset ${replayedToOffset}, but not recorded (a next run sends it again, harmlessly): ${(error as Error).message}`,
      };
      continue;
    }
    outcome.replayed.push({ letter, replayedToOffset });
  }
  return outcome;
}

const coordinates = (letter: DeadLetter) => ({ dlqTopic: letter.dlqTopic, dlqOffset: letter.dlqOffset });

/** One row per run: what was asked, and what happened to each selected letter (offsets only, no row data). */
export async function recordReplayRun(
  client: pg.ClientBase,
  run: { actor: string; consumerGroup: string; selection: ReplaySelection; force: boolean },
  outcome: ReplayOutcome,
): Promise<number> {
  const touched = [
    ...outcome.replayed.map((item) => item.letter),
    ...outcome.skipped.map((item) => item.letter),
    ...outcome.refused.map((item) => item.letter),
    ...(outcome.failed ? [outcome.failed.letter] : []),
    ...outcome.notAttempted,
  ];
  const topics = [...new Set(touched.map((letter) => letter.originalTopic ?? letter.dlqTopic))];
  return recordOperatorAction(client, {
    action: 'dlq-replay',
    actor: run.actor,
    consumerGroup: run.consumerGroup,
    topic: topics.length === 1 ? (topics[0] as string) : null,
    details: {
      selection: run.selection,
      force: run.force,
      replayed: outcome.replayed.map(({ letter, replayedToOffset }) => ({
        ...coordinates(letter),
        originalTopic: letter.originalTopic,
        originalPartition: letter.originalPartition,
        originalOffset: letter.originalOffset,
        replayedToOffset,
      })),
      skipped: outcome.skipped.map(({ letter }) => coordinates(letter)),
      refused: outcome.refused.map(({ letter, reason }) => ({ ...coordinates(letter), reason })),
      failed: outcome.failed
        ? { ...coordinates(outcome.failed.letter), reason: outcome.failed.reason }
        : null,
      notAttempted: outcome.notAttempted.map(coordinates),
    },
  });
}
