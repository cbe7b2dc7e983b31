// The lag dashboard: loads the history once, then follows the server's events. Everything drawn comes from
// two things kept here: the samples (charts, rates) and the latest PipelineState (header, tiles, tables).
import { Charts } from './charts.js';
import { byTestId, setText } from './dom.js';
import { formatAge, formatClock, formatDuration } from './format.js';
import { follow } from './live.js';
import { renderHeader, renderTiles } from './panels.js';
import { renderTables } from './tables.js';

const root = document.body;
const charts = new Charts(root);
let samples = [];
let capacity = 720;
let intervalMs = 5_000;
let latestState;

function addSamples(incoming) {
  const lastTime = samples.at(-1)?.t ?? Number.NEGATIVE_INFINITY;
  const fresh = incoming.filter((sample) => sample.t > lastTime);
  if (fresh.length === 0) return false;
  samples = [...samples, ...fresh].slice(-capacity);
  return true;
}

function render() {
  if (latestState) {
    renderHeader(root, latestState);
    renderTiles(
      root,
      latestState,
      samples.at(-1),
      samples.findLast((sample) => sample.latency?.p99 != null),
    );
    renderTables(root, latestState);
    const lastUpdate = byTestId(root, 'last-update');
    lastUpdate.dateTime = latestState.at;
    lastUpdate.textContent = formatClock(latestState.at);
  }
  charts.update(samples);
  root.dataset.samples = String(samples.length);
  refreshAge();
}

/** "updated 14:03:05 (3 s ago)", flagged stale when no sample came for three intervals. */
function refreshAge() {
  const age = byTestId(root, 'update-age');
  if (!latestState) return;
  const ageMs = Date.now() - new Date(latestState.at).getTime();
  age.textContent = `(${formatAge(latestState.at)})`;
  age.dataset.stale = String(ageMs > 3 * intervalMs);
}

function showStatus({ status, retryInMs }) {
  const element = byTestId(root, 'connection-status');
  element.dataset.status = status;
  element.textContent =
    status === 'live'
      ? 'live'
      : status === 'connecting'
        ? 'connecting…'
        : `disconnected · retrying in ${formatDuration(Math.round(retryInMs / 1000))}`;
}

function showCollectFailure(failure) {
  const element = byTestId(root, 'collect-error');
  element.hidden = !failure;
  if (failure) {
    element.textContent = `Gathering the state failed ${failure.consecutiveFailures} time(s) in a row: ${failure.message}. Showing the last state gathered.`;
  }
}

follow(
  {
    onHistory(body) {
      intervalMs = body.intervalMs;
      capacity = body.capacity;
      setText(root, 'sample-interval', `every ${formatDuration(intervalMs / 1000)}`);
      addSamples(body.samples);
      render();
    },
    onSample({ sample, state }) {
      addSamples([sample]);
      latestState = state;
      showCollectFailure(undefined);
      render();
    },
    onCollectFailed: showCollectFailure,
    onStatus: showStatus,
  },
  () => samples.at(-1)?.t,
);

setInterval(refreshAge, 1_000);
