// The tables under the charts: every partition's cursor and lag, paused tables, dead-letter topics and
// snapshots in progress.
import { byTestId, el } from './dom.js';
import { formatAge, formatCount, formatDuration, formatPercent } from './format.js';

const num = (value) => el('td', { class: 'num' }, value);

function fill(root, testId, rows, emptyText, columns) {
  const body = byTestId(root, testId).querySelector('tbody');
  body.replaceChildren(
    ...(rows.length > 0 ? rows : [el('tr', { class: 'empty' }, el('td', { colspan: columns }, emptyText))]),
  );
}

function partitionRows(state) {
  return state.consumers.flatMap((group) =>
    group.partitions.map((partition) =>
      el(
        'tr',
        {
          'data-testid': 'partition-row',
          'data-topic': partition.topic,
          'data-partition': partition.partition,
          class: partition.lagMessages > 0 ? 'behind' : undefined,
        },
        el('td', {}, group.groupId),
        el('td', {}, partition.topic),
        num(partition.partition),
        num(formatCount(partition.cursor)),
        num(formatCount(partition.endOffset)),
        num(formatCount(partition.lagMessages)),
        num(formatDuration(partition.lagSeconds)),
        num(formatCount(partition.kafkaCommitted)),
      ),
    ),
  );
}

function pausedRows(state) {
  const sink = state.pausedTables.map((table) =>
    el(
      'tr',
      { 'data-testid': 'paused-row' },
      el('td', {}, table.topic),
      el('td', {}, `sink · ${table.rawTable}`),
      el('td', { class: 'reason' }, table.reason),
      el('td', {}, formatAge(table.since)),
    ),
  );
  const reader = state.reader.pausedTables.map((table) =>
    el(
      'tr',
      { 'data-testid': 'paused-row' },
      el('td', {}, table),
      el('td', {}, 'reader'),
      el('td', { class: 'reason' }, 'schema rejected by the registry'),
      el('td', {}, '—'),
    ),
  );
  return [...sink, ...reader];
}

function dlqRows(state) {
  return state.dlq.map((topic) =>
    el(
      'tr',
      { 'data-testid': 'dlq-row', class: (topic.pending ?? topic.messages) > 0 ? 'behind' : undefined },
      el('td', {}, topic.topic),
      num(formatCount(topic.messages)),
      num(formatCount(topic.pending ?? topic.messages)),
    ),
  );
}

function snapshotRows(state) {
  return state.reader.snapshots
    .filter((snapshot) => snapshot.status !== 'done')
    .map((snapshot) =>
      el(
        'tr',
        { 'data-testid': 'snapshot-row', 'data-status': snapshot.status },
        el('td', {}, snapshot.table),
        el('td', {}, snapshot.status),
        el(
          'td',
          { class: 'progress' },
          el('progress', { max: 1, value: snapshot.progress }),
          ` ${formatPercent(snapshot.progress)}`,
        ),
        num(formatCount(snapshot.rows)),
      ),
    );
}

export function renderTables(root, state) {
  fill(root, 'partitions-table', partitionRows(state), 'No partitions known (is Kafka reachable?).', 8);
  fill(root, 'paused-tables', pausedRows(state), 'No table paused.', 4);
  fill(root, 'dlq-table', dlqRows(state), 'No dead-letter topic yet.', 3);
  fill(root, 'snapshots-table', snapshotRows(state), 'No snapshot in progress.', 4);
}
