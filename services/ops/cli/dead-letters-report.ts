/**
 * What `cdc dlq list` and `cdc dlq replay` print: a table per DLQ topic for a terminal, or plain objects for
 * `--json`. Neither ever contains key or value bytes (row data is personal data), only their sizes.
 */
import { type DeadLetter, letterId } from '../dlq/dead-letter.ts';
import type { DlqTopic } from '../dlq/dlq-topics.ts';
import type { ReplayOutcome } from '../dlq/replay.ts';
import type { ReplayDecision } from '../dlq/replay-plan.ts';
import type { ReplayRecord } from '../dlq/replay-records.ts';

export interface ListedLetter {
  letter: DeadLetter;
  replay: ReplayRecord | undefined;
}

export interface TopicListing {
  topic: DlqTopic;
  /** Every letter of the topic, in offset order. */
  letters: ListedLetter[];
}

export interface ListView {
  all: boolean;
  /** At most this many letters per topic; 0 = no limit. */
  limit: number;
}

const messageWidth = 72;

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

const statusOf = (item: ListedLetter) => (item.replay ? 'replayed' : 'pending');

function shown(listing: TopicListing, view: ListView): { items: ListedLetter[]; hidden: number } {
  const matching = listing.letters.filter((item) => view.all || !item.replay);
  const items = view.limit > 0 ? matching.slice(0, view.limit) : matching;
  return { items, hidden: matching.length - items.length };
}

function counts(listing: TopicListing) {
  const replayed = listing.letters.filter((item) => item.replay).length;
  return { total: listing.letters.length, pending: listing.letters.length - replayed, replayed };
}

const size = (letter: DeadLetter) =>
  `${letter.keyBytes} B / ${letter.valueBytes === null ? 'tombstone' : `${letter.valueBytes} B`}`;

function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) =>
    `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}`.trimEnd(),
  );
}

export function formatListing(listings: readonly TopicListing[], view: ListView): string {
  const lines: string[] = [];
  let pendingTopics = 0;
  let hiddenReplayed = 0;
  for (const listing of listings) {
    const { dlqTopic, sourceTopic, exists } = listing.topic;
    if (!exists) {
      lines.push(`${dlqTopic}: no such topic yet (the sink creates it when it starts)`);
      continue;
    }
    const count = counts(listing);
    if (count.pending > 0) pendingTopics += 1;
    if (!view.all) hiddenReplayed += count.replayed;
    lines.push(`${dlqTopic} → ${sourceTopic}: ${count.pending} pending, ${count.replayed} replayed`);
    const { items, hidden } = shown(listing, view);
    if (items.length === 0) continue;
    const rows = items.map(({ letter, replay }) => [
      String(letter.dlqOffset),
      letter.originalPartition === undefined ? '?' : String(letter.originalPartition),
      letter.originalOffset === undefined ? '?' : String(letter.originalOffset),
      letter.errorCode,
      letter.deadLetteredAt,
      size(letter),
      statusOf({ letter, replay }),
      oneLine(
        letter.problem ? `[cannot replay: ${letter.problem}] ${letter.errorMessage}` : letter.errorMessage,
        messageWidth,
      ),
    ]);
    lines.push(
      ...table([
        [
          'OFFSET',
          'PARTITION',
          'ORIG OFFSET',
          'CODE',
          'DEAD-LETTERED AT',
          'KEY / VALUE',
          'STATUS',
          'MESSAGE',
        ],
        ...rows,
      ]),
    );
    if (hidden > 0) lines.push(`  … ${hidden} more not shown (--limit 0 shows all)`);
  }
  lines.push('');
  if (hiddenReplayed > 0) lines.push(`${hiddenReplayed} replayed letter(s) not shown; --all shows them.`);
  if (pendingTopics > 0) {
    lines.push(
      'Fix the cause, then replay: cdc dlq replay --topic <topic> --all-pending (or --offset / --code; --dry-run first).',
    );
  }
  if (hiddenReplayed > 0 || pendingTopics > 0) lines.push('');
  return lines.join('\n');
}

/** A letter as JSON: every field but the bytes. */
export function letterJson(letter: DeadLetter) {
  const { payload: _bytes, ...fields } = letter;
  return { ...fields, problem: letter.problem ?? null };
}

export function listingJson(listings: readonly TopicListing[], view: ListView) {
  return {
    all: view.all,
    limit: view.limit,
    topics: listings.map((listing) => ({ ...listing.topic, ...counts(listing) })),
    letters: listings.flatMap((listing) =>
      shown(listing, view).items.map((item) => ({
        ...letterJson(item.letter),
        status: statusOf(item),
        replay: item.replay ?? null,
      })),
    ),
  };
}

const target = (letter: DeadLetter) => `${letter.originalTopic}[${letter.originalPartition}]`;

const previously = (previous: ReplayRecord) =>
  `already replayed to ${previous.originalTopic}[${previous.originalPartition}] offset ${previous.replayedToOffset} by ${previous.actor} at ${previous.replayedAt}; --force replays it again`;

export function formatPlan(plan: readonly ReplayDecision[]): string {
  const lines = plan.map((decision) => {
    const { letter } = decision;
    switch (decision.action) {
      case 'replay':
        return `  would replay  ${letterId(letter)} → ${target(letter)}  (original offset ${letter.originalOffset}, ${letter.errorCode})`;
      case 'skip':
        return `  would skip    ${letterId(letter)}  ${previously(decision.previous)}`;
      default:
        return `  cannot replay ${letterId(letter)}  ${decision.reason}`;
    }
  });
  const count = (action: ReplayDecision['action']) => plan.filter((item) => item.action === action).length;
  return [
    'Dry run: nothing is sent or recorded.',
    ...lines,
    `${count('replay')} would be replayed, ${count('skip')} skipped (already replayed), ${count('refuse')} cannot be replayed.`,
    '',
  ].join('\n');
}

export function planJson(plan: readonly ReplayDecision[]) {
  return {
    dryRun: true,
    wouldReplay: plan.flatMap((item) => (item.action === 'replay' ? [letterJson(item.letter)] : [])),
    skipped: plan.flatMap((item) =>
      item.action === 'skip' ? [{ ...letterJson(item.letter), previous: item.previous }] : [],
    ),
    refused: plan.flatMap((item) =>
      item.action === 'refuse' ? [{ ...letterJson(item.letter), reason: item.reason }] : [],
    ),
  };
}

export function formatOutcome(outcome: ReplayOutcome, operatorActionId: number | undefined): string {
  const lines = [
    ...outcome.replayed.map(
      ({ letter, replayedToOffset }) =>
        `  replayed      ${letterId(letter)} → ${target(letter)} at offset ${replayedToOffset}`,
    ),
    ...outcome.skipped.map(
      ({ letter, previous }) => `  skipped       ${letterId(letter)}  ${previously(previous)}`,
    ),
    ...outcome.refused.map(({ letter, reason }) => `  cannot replay ${letterId(letter)}  ${reason}`),
    ...(outcome.failed
      ? [`  FAILED        ${letterId(outcome.failed.letter)}  ${outcome.failed.reason}`]
      : []),
    ...outcome.notAttempted.map(
      (letter) => `  not attempted ${letterId(letter)}  (stopped at the failure above)`,
    ),
  ];
  return [
    ...lines,
    `${outcome.replayed.length} replayed, ${outcome.skipped.length} skipped (already replayed), ` +
      `${outcome.refused.length} cannot be replayed, ${outcome.failed ? 1 : 0} failed, ` +
      `${outcome.notAttempted.length} not attempted.` +
      (operatorActionId === undefined ? '' : ` Recorded as operator action ${operatorActionId}.`),
    '',
  ].join('\n');
}

export function outcomeJson(outcome: ReplayOutcome, operatorActionId: number | undefined) {
  return {
    dryRun: false,
    operatorActionId: operatorActionId ?? null,
    replayed: outcome.replayed.map(({ letter, replayedToOffset }) => ({
      ...letterJson(letter),
      replayedToOffset,
    })),
    skipped: outcome.skipped.map(({ letter, previous }) => ({ ...letterJson(letter), previous })),
    refused: outcome.refused.map(({ letter, reason }) => ({ ...letterJson(letter), reason })),
    failed: outcome.failed ? { ...letterJson(outcome.failed.letter), reason: outcome.failed.reason } : null,
    notAttempted: outcome.notAttempted.map(letterJson),
  };
}
