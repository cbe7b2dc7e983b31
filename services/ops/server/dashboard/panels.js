// The parts of the page drawn from the latest state: the header (overall level, checks that are not ok,
// sources that could not be read) and the big-number tiles.
import { byTestId, el, setText } from './dom.js';
import { formatBytes, formatCount, formatDuration, formatRate, unknown } from './format.js';

const levelOrder = { ok: 0, warn: 1, fail: 2 };

/** The worst level of the checks whose id starts with one of `prefixes` ("slot." for slot.lag, ...). */
function levelOf(checks, prefixes) {
  let worst = 'ok';
  for (const check of checks) {
    if (
      prefixes.some((prefix) => check.id.startsWith(prefix)) &&
      levelOrder[check.level] > levelOrder[worst]
    ) {
      worst = check.level;
    }
  }
  return worst;
}

export function renderHeader(root, state) {
  const level = byTestId(root, 'overall-level');
  level.dataset.level = state.level;
  level.textContent = state.level.toUpperCase();
  document.title = `${state.level === 'ok' ? '' : `${state.level.toUpperCase()} · `}CDC pipeline`;

  const notOk = state.checks
    .filter((check) => check.level !== 'ok')
    .sort((a, b) => levelOrder[b.level] - levelOrder[a.level]);
  const list = byTestId(root, 'failing-checks');
  list.replaceChildren(
    ...(notOk.length === 0
      ? [el('li', { class: 'all-ok' }, `All ${state.checks.length} checks pass.`)]
      : notOk.map((check) =>
          el(
            'li',
            { 'data-testid': 'check-item', 'data-level': check.level },
            el('span', { class: 'pill', 'data-level': check.level }, check.level),
            el('span', { class: 'check-id' }, check.id),
            el('span', { class: 'check-summary' }, check.summary),
            check.hint ? el('span', { class: 'check-hint' }, check.hint) : null,
          ),
        )),
  );

  // Sources that could not be read usually have a check of their own (source.kafka, metrics.reader): only
  // the others get the banner, so the same failure is not shown twice.
  const unexplained = state.errors.filter(
    (error) => !state.checks.some((check) => check.level !== 'ok' && check.id.endsWith(`.${error.source}`)),
  );
  const errors = byTestId(root, 'source-errors');
  errors.hidden = unexplained.length === 0;
  errors.replaceChildren(
    el('strong', {}, 'Not read this time: '),
    ...unexplained.map((error) =>
      el('span', { class: 'source-error' }, el('b', {}, error.source), ` ${error.message}`),
    ),
  );
}

function tile(root, id, level, value, detail) {
  const element = byTestId(root, `tile-${id}`);
  element.dataset.level = level;
  setText(element, `tile-${id}-value`, value);
  setText(element, `tile-${id}-detail`, detail);
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

/** `lastBusy`: the latest sample in which the sinks applied something. */
export function renderTiles(root, state, sample, lastBusy) {
  const { slot } = state.reader;
  const slotDetail = !slot.exists
    ? 'slot missing'
    : `${formatDuration(slot.lagSeconds)} behind · ${slot.active ? 'active' : 'inactive'}`;
  tile(root, 'slot-lag', levelOf(state.checks, ['slot.', 'reader.']), formatBytes(slot.lagBytes), slotDetail);

  const lagMessages = sum(state.consumers.map((group) => group.lagMessages));
  const partitions = sum(state.consumers.map((group) => group.partitions.length));
  tile(
    root,
    'consumer-lag',
    levelOf(state.checks, ['consumer.', 'tables.']),
    state.consumers.length === 0 ? unknown : formatCount(lagMessages),
    `messages · oldest ${formatDuration(sample?.lagSecondsMax)} · ${partitions} partitions`,
  );

  // A sample's latency covers its interval only (null when nothing was applied): show the latest busy one,
  // not the percentiles since the sinks started, which would remember an old backlog for hours.
  tile(
    root,
    'latency-p99',
    levelOf(state.checks, ['latency.']),
    formatDuration(lastBusy?.latency.p99),
    lastBusy
      ? `p50 ${formatDuration(lastBusy.latency.p50)} · p95 ${formatDuration(lastBusy.latency.p95)} · at ${new Date(lastBusy.t).toLocaleTimeString('en-GB')}`
      : 'no change applied yet',
  );

  const rates = sample?.rates ?? {};
  const ratesTile = byTestId(root, 'tile-rates');
  setText(ratesTile, 'rate-reader', formatRate(rates.readerChangesPerSec));
  setText(ratesTile, 'rate-kafka', formatRate(rates.topicMessagesPerSec));
  setText(ratesTile, 'rate-sink', formatRate(rates.sinkMessagesPerSec));

  const dlqMessages = sum(state.dlq.map((topic) => topic.messages));
  const pending = sum(state.dlq.map((topic) => topic.pending ?? topic.messages));
  tile(
    root,
    'dlq',
    levelOf(state.checks, ['dlq.']),
    formatCount(dlqMessages),
    `${formatCount(pending)} pending · ${formatRate(rates.deadLettersPerSec)}`,
  );

  const lastRun = state.marts.lastRun;
  tile(
    root,
    'marts-freshness',
    levelOf(state.checks, ['marts.']),
    formatDuration(state.marts.freshnessSeconds),
    lastRun ? `last run ${lastRun.status}` : 'no run yet',
  );
}
