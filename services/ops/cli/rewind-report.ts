/** `cdc rewind` for a terminal: one line per partition, from where to where, and how the sinks took it. */
import type { MirrorOutcome } from '../rewind/kafka-mirror.ts';
import type { CursorMove } from '../rewind/plan.ts';

const count = (value: number | null) => (value === null ? 'none' : value.toLocaleString('en-US'));

export function formatMoves(
  group: string,
  target: string,
  moves: readonly CursorMove[],
  outcome: { dryRun: true } | { dryRun: false; rewindId: number; actor: string; mirror: MirrorOutcome },
): string {
  const width = Math.max(5, ...moves.map((move) => `${move.topic}/${move.partition}`.length));
  const lines = moves.map((move) => {
    const delta = move.from === null ? '' : move.to - move.from;
    const replay =
      delta === ''
        ? ''
        : delta < 0
          ? `  (replays ${count(-delta)})`
          : delta > 0
            ? `  (skips ${count(delta)})`
            : '  (unchanged)';
    return `  ${`${move.topic}/${move.partition}`.padEnd(width)}  ${count(move.from).padStart(10)} → ${count(move.to).padEnd(10)} [${count(move.low)}, ${count(move.high)}]${replay}`;
  });
  const head = outcome.dryRun
    ? `Dry run: rewinding group ${group} to ${target} would move:`
    : `Rewind #${outcome.rewindId} by ${outcome.actor}: group ${group} moved to ${target}:`;
  const tail = outcome.dryRun
    ? ['', 'Nothing changed. Run again without --dry-run to move the cursor.']
    : outcome.mirror.pending.length === 0
      ? [
          '',
          outcome.mirror.by === 'set'
            ? "No sink was running: Kafka's committed offsets were set to the new cursor."
            : `The running sinks re-seeked and committed the new cursor to Kafka in ${(outcome.mirror.waitedMs / 1000).toFixed(1)} s.`,
        ]
      : [
          '',
          `The cursor moved, but Kafka's committed offsets still disagree after ${(outcome.mirror.waitedMs / 1000).toFixed(0)} s on:`,
          ...outcome.mirror.pending.map(
            (entry) =>
              `  ${entry.topic}/${entry.partition}: cursor ${count(entry.cursor)}, Kafka ${count(entry.kafka)}`,
          ),
          'The sinks use the cursor whatever Kafka says; check that they are running (cdc status).',
        ];
  return [
    head,
    `  ${'PARTITION'.padEnd(width)}  ${'FROM'.padStart(10)}   ${'TO'.padEnd(10)} [FIRST, END]`,
    ...lines,
    ...tail,
    '',
  ].join('\n');
}
