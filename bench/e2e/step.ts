/**
 * One rate step of the e2e scenario: the writer offers `rate` rows/s for `seconds`; meanwhile the backlog is
 * sampled every 500 ms at both stages (rows committed but not yet in Kafka: the reader's; in Kafka but not yet
 * in raw: the sink's); then the pipeline drains and the sink reports the exact commit-to-raw percentiles of
 * every row of the step.
 *
 * A step is sustained when the writer achieved the offered rate (≥ 95%), the backlog did not grow over the
 * second half of the step (slope under 5% of the rate), everything drained, and p99 stayed under 2 s. When only
 * the writer fell short, the writer is the limit, not the pipeline.
 */
import type { RunningChild } from '../support/children.ts';
import type { LatencySummary } from './latency.ts';
import type { FromSink } from './protocol.ts';
import type { PacedInserts } from './workload.ts';

export const sustainedP99Ms = 2_000;
const keepUpShare = 0.95;
const growthShare = 0.05;

export interface StepPlan {
  rate: number;
  seconds: number;
  rowsPerTransaction: number;
}

export interface StepContext {
  table: string;
  writer: PacedInserts;
  sink: RunningChild<FromSink>;
  /** Changes the sink applied since it started (its latest progress message). */
  applied: () => number;
  /** Messages in the bench topic. */
  produced: () => Promise<number>;
}

interface Sample {
  seconds: number;
  inserted: number;
  produced: number;
  applied: number;
}

/** Least-squares slope of `value` over the samples' time: rows per second. */
function slope(samples: readonly Sample[], value: (sample: Sample) => number): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const meanT = samples.reduce((sum, s) => sum + s.seconds, 0) / n;
  const meanV = samples.reduce((sum, s) => sum + value(s), 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const sample of samples) {
    covariance += (sample.seconds - meanT) * (value(sample) - meanV);
    variance += (sample.seconds - meanT) ** 2;
  }
  return variance > 0 ? covariance / variance : 0;
}

export async function runStep(context: StepContext, plan: StepPlan) {
  const { writer, sink } = context;
  sink.send({ type: 'reset' });
  await sink.waitFor((message) => (message.type === 'reset-done' ? true : undefined), 'reset', 10_000);
  const base = { inserted: writer.inserted, produced: await context.produced(), applied: context.applied() };
  const started = performance.now();
  const samples: Sample[] = [];
  let sampling: Promise<void> | undefined;
  const sampler = setInterval(() => {
    sampling ??= context
      .produced()
      .then((produced) => {
        samples.push({
          seconds: (performance.now() - started) / 1000,
          inserted: writer.inserted - base.inserted,
          produced: produced - base.produced,
          applied: context.applied() - base.applied,
        });
      })
      .catch(() => undefined)
      .finally(() => {
        sampling = undefined;
      });
  }, 500);
  const written = await writer.run(context.table, plan.rate, plan.seconds, plan.rowsPerTransaction);
  clearInterval(sampler);
  await sampling;
  const appliedWhileWriting = context.applied() - base.applied;

  // Drain: bounded, so a pipeline far behind ends the step (not sustained) instead of the run.
  const drainStarted = performance.now();
  const drainTimeoutMs = Math.max(30_000, plan.seconds * 4_000);
  let drained = true;
  while (context.applied() - base.applied < written.rows) {
    if (performance.now() - drainStarted > drainTimeoutMs) {
      drained = false;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  sink.send({ type: 'summary' });
  const latency = await sink.waitFor<LatencySummary>(
    (message) => (message.type === 'summary' ? message : undefined),
    'latency summary',
    30_000,
  );

  const secondHalf = samples.filter((sample) => sample.seconds >= plan.seconds / 2);
  const readerGrowth = slope(secondHalf, (s) => s.inserted - s.produced);
  const sinkGrowth = slope(secondHalf, (s) => s.produced - s.applied);
  const last = samples.at(-1);
  const writerKeptUp = written.rowsPerSecond >= keepUpShare * plan.rate;
  const pipelineKeptUp =
    drained && latency.p99 < sustainedP99Ms && readerGrowth + sinkGrowth < growthShare * plan.rate;
  // The stage whose backlog grew is the limit; when none grew (p99 or the drain failed), where rows piled up.
  const grew = Math.max(readerGrowth, sinkGrowth) >= growthShare * plan.rate;
  const readerBehind = last ? last.inserted - last.produced : 0;
  const sinkBehind = last ? last.produced - last.applied : 0;
  const slowStage = (grew ? readerGrowth > sinkGrowth : readerBehind > sinkBehind) ? 'reader' : 'sink';
  const limitedBy = !pipelineKeptUp ? slowStage : !writerKeptUp ? 'writer' : 'none';
  return {
    offeredRowsPerSecond: plan.rate,
    rowsPerTransaction: plan.rowsPerTransaction,
    seconds: written.seconds,
    rows: written.rows,
    transactions: written.transactions,
    achievedRowsPerSecond: written.rowsPerSecond,
    appliedRowsPerSecond: appliedWhileWriting / written.seconds,
    latencyMs: latency,
    backlog: {
      readerRowsAtEnd: readerBehind,
      sinkRowsAtEnd: sinkBehind,
      readerGrowthRowsPerSecond: readerGrowth,
      sinkGrowthRowsPerSecond: sinkGrowth,
    },
    drained,
    drainSeconds,
    sustained: writerKeptUp && pipelineKeptUp,
    limitedBy: limitedBy as 'none' | 'writer' | 'reader' | 'sink',
  };
}

export type StepResult = Awaited<ReturnType<typeof runStep>>;
