/**
 * Runs the raw sink in a process of its own (so its peak memory is its own) from its stored cursor until that
 * cursor reaches the given end of every partition, then prints one JSON line: seconds from start() to caught
 * up, when the first batch committed, rows and batches applied, peak RSS.
 * Input comes as JSON in the BENCH_SINK environment variable (see sink/scenario.ts).
 */
import pg from 'pg';
import { createBenchSink, type SinkChildInput } from '../support/sink-process.ts';

interface ChildInput extends SinkChildInput {
  topic: string;
  /** Partition → end offset the cursor must reach. */
  ends: Record<string, string>;
  timeoutMs: number;
}

/** A cursor that stops moving short of the end is a stall, not slowness: fail fast and say where it stopped. */
const stallMs = 60_000;

const input = JSON.parse(process.env.BENCH_SINK ?? '{}') as ChildInput;
let rows = 0;
let batches = 0;
let firstBatch: { at: number; rows: number } | undefined;
const { sink, pool } = createBenchSink(input, ({ latenciesMs }) => {
  firstBatch ??= { at: performance.now(), rows: latenciesMs.length };
  rows += latenciesMs.length;
  batches++;
});

// Its own connection: polling through the sink's pool would take a connection the sink may be waiting for.
const cursor = new pg.Client({ connectionString: input.analyticsUrl });
await cursor.connect();
const storedCursor = async () => {
  const stored = await cursor.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1 AND topic = $2',
    [input.groupId, input.topic],
  );
  return Object.fromEntries(stored.rows.map((row) => [String(row.partition), row.next_offset]));
};
const caughtUp = (next: Record<string, string>) =>
  Object.entries(input.ends).every(([partition, end]) => end === '0' || next[partition] === end);

const started = performance.now();
let finished = started;
try {
  await sink.start();
  const deadline = started + input.timeoutMs;
  let seen = '';
  let movedAt = started;
  for (;;) {
    const next = await storedCursor();
    if (caughtUp(next)) break;
    const now = performance.now();
    if (JSON.stringify(next) !== seen) {
      seen = JSON.stringify(next);
      movedAt = now;
    } else if (now - movedAt > stallMs) {
      throw new Error(
        `the sink's cursor ${seen} has not moved for ${stallMs / 1000} s; the topic ends at ${JSON.stringify(input.ends)}`,
      );
    }
    if (now > deadline) throw new Error(`the sink did not catch up within ${input.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  finished = performance.now();
} finally {
  await sink.stop();
  await pool.end();
  await cursor.end();
}
process.stdout.write(
  `${JSON.stringify({
    seconds: (finished - started) / 1000,
    firstBatchSeconds: firstBatch ? (firstBatch.at - started) / 1000 : undefined,
    firstBatchRows: firstBatch?.rows ?? 0,
    applyingSeconds: firstBatch ? (finished - firstBatch.at) / 1000 : undefined,
    rows,
    batches,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
