/**
 * The raw sink as the e2e scenario runs it: its own compiled, heap-capped process (wiring in
 * support/sink-process.ts), consuming the bench topic until the parent says stop (or goes away). It keeps every
 * commit-to-raw latency `onApplied` reports, reports progress every 100 ms and, when asked, the percentiles of
 * the latencies recorded since the last reset. Input: JSON in BENCH_E2E_SINK.
 */
import { createBenchSink, type SinkChildInput } from '../support/sink-process.ts';
import { LatencyRecorder } from './latency.ts';
import { sendToParent, type ToChild } from './protocol.ts';

const input = JSON.parse(process.env.BENCH_E2E_SINK ?? '{}') as SinkChildInput;
const recorder = new LatencyRecorder();
let applied = 0;
const { sink, pool } = createBenchSink(input, ({ latenciesMs }) => {
  applied += latenciesMs.length;
  recorder.add(latenciesMs);
});

let stop: () => void = () => undefined;
const stopRequested = new Promise<void>((resolve) => {
  stop = resolve;
});
process.on('message', (message: ToChild) => {
  if (message.type === 'stop') stop();
  else if (message.type === 'reset') {
    recorder.clear();
    sendToParent({ type: 'reset-done' });
  } else if (message.type === 'summary') sendToParent({ type: 'summary', ...recorder.summary() });
});
process.once('disconnect', () => stop());
process.once('SIGTERM', () => stop());

const progress = setInterval(() => sendToParent({ type: 'progress', applied }), 100);
try {
  await sink.start();
  sendToParent({ type: 'ready' });
  await stopRequested;
} finally {
  clearInterval(progress);
  await sink.stop();
  await pool.end();
}
sendToParent({ type: 'stopped', applied, maxRssBytes: process.resourceUsage().maxRSS * 1024 }, () =>
  process.exit(0),
);
