/**
 * `cdc status` for a terminal: the verdict first (what is wrong and what to do), then each stage with its
 * figures, so the person paged at night reads the top and the curious one reads on.
 */
import { duration } from '../pipeline-state/health.ts';
import type { ConsumerGroupState, PipelineState } from '../pipeline-state/state.ts';

const marks = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;
const count = (value: number) => value.toLocaleString('en-US');
const seconds = (value: number | null) => (value === null ? '?' : duration(value));
const bytes = (value: number | null) =>
  value === null
    ? '?'
    : value >= 1024 ** 2
      ? `${(value / 1024 ** 2).toFixed(1)} MiB`
      : value >= 1024
        ? `${(value / 1024).toFixed(1)} KiB`
        : `${value} B`;
// 300 s is the histogram's highest finite bucket: beyond it, it only knows "more".
const millis = (value: number | null) =>
  value === null ? '–' : value >= 300 ? '≥ 300 s' : `${Math.round(value * 1000)} ms`;

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number>,
) {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

function consumerSection(group: ConsumerGroupState): string[] {
  const title = `Consumer group ${group.groupId} (${group.groupState ?? 'unknown'}, ${group.members} member(s)): lag ${count(group.lagMessages)} message(s)${group.lagSeconds ? `, oldest ${duration(group.lagSeconds)}` : ''}`;
  const rows = group.partitions.map((partition) => [
    partition.topic,
    String(partition.partition),
    partition.cursor === null ? '–' : count(partition.cursor),
    count(partition.endOffset),
    count(partition.lagMessages),
    partition.lagMessages === 0 ? '0' : seconds(partition.lagSeconds),
    partition.kafkaCommitted === null ? '–' : count(partition.kafkaCommitted),
  ]);
  return [
    title,
    ...table(
      ['TOPIC', 'PART', 'CURSOR', 'END', 'LAG', 'LAG TIME', 'KAFKA COMMITTED'],
      rows,
      new Set([1, 2, 3, 4, 5, 6]),
    ),
  ];
}

export function formatStatus(state: PipelineState): string {
  const { reader, marts, latency } = state;
  const slot = reader.slot;
  const lines = [
    `CDC pipeline: ${marks[state.level].trim().toUpperCase()} at ${state.at}`,
    '',
    ...state.checks.flatMap((check) => [
      `${marks[check.level]}  ${check.id.padEnd(28)}  ${check.summary}`,
      ...(check.level !== 'ok' && check.hint ? [`      ${''.padEnd(28)}  → ${check.hint}`] : []),
    ]),
    '',
    `Reader: slot ${slot.name} ${slot.exists ? (slot.active ? 'streaming' : 'INACTIVE') : 'MISSING'}; confirmed ${slot.confirmedLsn ?? '?'} of ${slot.currentLsn ?? '?'}; lag ${bytes(slot.lagBytes)}, ${seconds(slot.lagSeconds)}; WAL ${slot.walStatus ?? '?'}`,
    ...reader.snapshots.map(
      (snapshot) =>
        `  snapshot ${snapshot.table}: ${snapshot.status}, ${Math.round(snapshot.progress * 100)}% (${count(snapshot.rows)} rows)`,
    ),
    '',
    ...state.consumers.flatMap((group) => [...consumerSection(group), '']),
    `Commit to raw: p50 ${millis(latency.p50)}, p95 ${millis(latency.p95)}, p99 ${millis(latency.p99)} (since the sinks started)`,
    '',
    state.dlq.length === 0
      ? 'Dead letters: no DLQ topic yet'
      : `Dead letters: ${state.dlq.map((dlq) => `${dlq.topic} ${count(dlq.messages)} (${count(dlq.pending)} pending)`).join(', ')}`,
    state.pausedTables.length === 0
      ? 'Paused tables: none'
      : `Paused tables: ${state.pausedTables.map((paused) => `${paused.rawTable} since ${paused.since} (${paused.reason})`).join('; ')}`,
    state.repairs.length === 0
      ? 'Repairs: no row waiting for a re-read from core'
      : `Repairs: ${state.repairs.map((repair) => `analytics_raw.${repair.rawTable} ${count(repair.rows)} row(s), oldest ${seconds(repair.oldestSeconds)}, asked up to ${repair.requests}×`).join('; ')}`,
    `Marts: ${marts.watermark ? `complete up to ${marts.watermark} (${seconds(marts.freshnessSeconds)} ago)` : 'never built'}; last run ${marts.lastRun ? `${marts.lastRun.status} at ${marts.lastRun.startedAt}` : 'none'}`,
    ...(state.errors.length > 0
      ? ['', 'Could not read:', ...state.errors.map((error) => `  ${error.source}: ${error.message}`)]
      : []),
    '',
  ];
  return lines.join('\n');
}
