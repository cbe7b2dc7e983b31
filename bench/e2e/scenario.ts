/**
 * `npm run bench -- e2e`: commit-to-raw latency at steady rates, and the highest rate the whole pipeline
 * sustains, with the reader and the sink each in its own compiled, heap-capped process (as in production) and
 * a paced writer inserting into the core table.
 *
 * 1. Scratch core database (bench table, publication, slot), scratch analytics database (migrated); the reader
 *    starts; one row creates the topic and registers the schemas the raw table is built from; the sink starts.
 * 2. Writer ceiling: how fast the writer inserts into an unpublished twin of the table, as fast as it can, with
 *    the pipeline running (and idle): what the core side can offer on this machine.
 * 3. A short warm-up (JIT, connections), then one step per latency rate (exact p50/p95/p99/max from the
 *    sink's onApplied), then the ramp: steps of increasing rate until one is not sustained (step.ts), and a few
 *    bisection steps between the last sustained rate and the first failed one.
 */
import os from 'node:os';
import { topicOf } from '../../connectors/catalogue.ts';
import { createAnalyticsDatabase, createRawTable } from '../support/analytics.ts';
import { type RunningChild, startChild } from '../support/children.ts';
import { benchNodeFlags } from '../support/compiled.ts';
import {
  benchConnector,
  benchTable,
  createCoreDatabase,
  dropCoreDatabase,
  unpublishedTable,
} from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { dropDatabase, withDatabase } from '../support/postgres.ts';
import type { FromReader, FromSink } from './protocol.ts';
import { runStep, type StepContext, type StepResult, sustainedP99Ms } from './step.ts';
import { PacedInserts } from './workload.ts';

export interface E2eBenchOptions {
  /** Latency steps (rows/s), each `seconds` long, in transactions of `rowsPerTransaction` rows. */
  rates: number[];
  seconds: number;
  rowsPerTransaction: number;
  /** Throughput ramp: offered rates tried in order until one is not sustained. */
  rampRates: number[];
  rampSeconds: number;
  rampRowsPerTransaction: number;
  /** Bisection steps after the first failed ramp rate. */
  refine: number;
  connections: number;
}

const progress = (message: string) => process.stderr.write(`bench e2e: ${message}\n`);

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function describeStep(step: StepResult): string {
  const l = step.latencyMs;
  return (
    `offered ${step.offeredRowsPerSecond}/s, achieved ${Math.round(step.achievedRowsPerSecond)}/s, ` +
    `p50 ${Math.round(l.p50)} p99 ${Math.round(l.p99)} max ${Math.round(l.max)} ms, ` +
    `${step.sustained ? 'sustained' : `not sustained (limit: ${step.limitedBy})`}`
  );
}

export async function runE2eBench(env: BenchEnv, options: E2eBenchOptions) {
  const suffix = runSuffix();
  const coreDatabase = `bench_e2e_${suffix}`;
  const analyticsDatabase = `bench_e2e_raw_${suffix}`;
  const slot = `bench_e2e_${suffix}`;
  const publication = 'bench_publication';
  const prefix = `benche2e${suffix}`;
  const groupId = `bench-e2e-${suffix}`;
  const topic = topicOf(benchConnector, prefix);
  const ownerUrl = withDatabase(env.ownerUrl, coreDatabase);
  const admin = benchKafka(env.brokers).admin();
  const writer = new PacedInserts(ownerUrl, options.connections);
  let reader: RunningChild<FromReader> | undefined;
  let sink: RunningChild<FromSink> | undefined;
  let applied = 0;
  let readerStopped: Extract<FromReader, { type: 'stopped' }> | undefined;
  let sinkStopped: Extract<FromSink, { type: 'stopped' }> | undefined;

  try {
    await createCoreDatabase(env.ownerUrl, env.readerUrl, coreDatabase, publication, slot);
    const analyticsUrl = await createAnalyticsDatabase(env.ownerUrl, env.analyticsUrl, analyticsDatabase);
    await admin.connect();
    reader = startChild<FromReader>(
      'bench/e2e/reader-child.ts',
      'BENCH_E2E_READER',
      {
        coreUrl: withDatabase(env.readerUrl, coreDatabase),
        slot,
        publication,
        prefix,
        brokers: env.brokers,
        registryUrl: env.registryUrl,
      },
      (message) => {
        if (message.type === 'stopped') readerStopped = message;
      },
    );
    await reader.waitFor((message) => (message.type === 'streaming' ? true : undefined), 'streaming', 60_000);
    await writer.open();
    await writer.insertOnce(benchTable, 1);
    await until(
      async () => ((await topicEnds(admin, topic)).total >= 1 ? true : undefined),
      'the first row did not reach Kafka',
      60_000,
    );
    await createRawTable(analyticsUrl, env.registryUrl, benchConnector, topic);
    sink = startChild<FromSink>(
      'bench/e2e/sink-child.ts',
      'BENCH_E2E_SINK',
      { analyticsUrl, brokers: env.brokers, registryUrl: env.registryUrl, prefix, groupId },
      (message) => {
        if (message.type === 'progress') applied = message.applied;
        if (message.type === 'stopped') sinkStopped = message;
      },
    );
    await sink.waitFor((message) => (message.type === 'ready' ? true : undefined), 'ready', 60_000);
    await until(async () => (applied >= 1 ? true : undefined), 'the first row did not reach raw', 60_000);

    progress(
      `writer ceiling: ${options.connections} connections, ${options.rampRowsPerTransaction} rows per transaction, unpublished table`,
    );
    const ceiling = await writer.run(
      unpublishedTable,
      Number.POSITIVE_INFINITY,
      3,
      options.rampRowsPerTransaction,
    );

    const context: StepContext = {
      table: benchTable,
      writer,
      sink,
      applied: () => applied,
      produced: async () => (await topicEnds(admin, topic)).total,
    };
    const firstRate = options.rates[0] ?? 1_000;
    progress(`warm-up: ${firstRate} rows/s for 5 s`);
    const warmUp = await runStep(context, {
      rate: firstRate,
      seconds: 5,
      rowsPerTransaction: options.rowsPerTransaction,
    });

    const latency: StepResult[] = [];
    for (const rate of options.rates) {
      progress(`latency step: ${rate} rows/s for ${options.seconds} s`);
      const step = await runStep(context, {
        rate,
        seconds: options.seconds,
        rowsPerTransaction: options.rowsPerTransaction,
      });
      progress(describeStep(step));
      latency.push(step);
      if (!step.drained) break;
    }

    const ramp: StepResult[] = [];
    let best: number | undefined;
    let failed: StepResult | undefined;
    const tryRate = async (rate: number) => {
      progress(`ramp step: ${rate} rows/s for ${options.rampSeconds} s`);
      const step = await runStep(context, {
        rate,
        seconds: options.rampSeconds,
        rowsPerTransaction: options.rampRowsPerTransaction,
      });
      progress(describeStep(step));
      ramp.push(step);
      if (step.sustained) best = Math.max(best ?? 0, rate);
      else failed = step;
      return step;
    };
    for (const rate of options.rampRates) {
      if (!(await tryRate(rate)).sustained) break;
    }
    // Bisection only narrows a pipeline limit (a writer limit says nothing more), and only after a clean drain.
    for (let round = 0; round < options.refine && failed?.drained && failed.limitedBy !== 'writer'; round++) {
      const low = best ?? 0;
      const middle = Math.round((low + failed.offeredRowsPerSecond) / 2 / 1_000) * 1_000;
      if (middle <= low || middle >= failed.offeredRowsPerSecond) break;
      const step = await tryRate(middle);
      if (!step.drained) break;
    }

    await reader.stop();
    await sink.stop();
    const at = (rate: number) => latency.find((step) => step.offeredRowsPerSecond === rate);
    const writerLimited = failed?.limitedBy === 'writer' ? failed : undefined;
    return {
      scenario: 'e2e',
      machine: { cpus: os.cpus().length },
      options,
      nodeFlags: benchNodeFlags().join(' '),
      criteria: {
        sustained: `writer ≥ 95% of the offered rate, backlog growth < 5% of the rate over the second half, drained, p99 < ${sustainedP99Ms} ms`,
      },
      writerCeiling: {
        rowsPerSecond: ceiling.rowsPerSecond,
        rowsPerTransaction: options.rampRowsPerTransaction,
        connections: options.connections,
      },
      warmUp,
      latency,
      ramp,
      highestSustained: {
        rowsPerSecond: best ?? null,
        lowestFailed: failed
          ? { rowsPerSecond: failed.offeredRowsPerSecond, limitedBy: failed.limitedBy }
          : null,
        // The writer could not offer more; the pipeline kept up with what it did offer.
        writerLimitedAt: writerLimited ? writerLimited.achievedRowsPerSecond : null,
      },
      reader: { peakRssMb: (readerStopped?.maxRssBytes ?? 0) / 1024 / 1024, events: readerStopped?.events },
      sink: { peakRssMb: (sinkStopped?.maxRssBytes ?? 0) / 1024 / 1024, applied: sinkStopped?.applied },
      goals: {
        p99At5000Ms: {
          value: at(5_000)?.latencyMs.p99 ?? null,
          goal: 250,
          met: (at(5_000)?.latencyMs.p99 ?? Infinity) < 250,
        },
        sustainedRowsPerSecond: { value: best ?? null, goal: 30_000, met: (best ?? 0) >= 30_000 },
      },
    };
  } finally {
    await writer.close();
    await reader?.stop().catch(() => undefined);
    await sink?.stop().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await dropCoreDatabase(env.ownerUrl, env.readerUrl, coreDatabase, slot);
    await dropDatabase(env.ownerUrl, analyticsDatabase);
    await removeKafkaArtefacts(env.brokers, env.registryUrl, prefix, [groupId], [topic]).catch(
      (error: unknown) => progress(`could not remove the Kafka topics or group: ${String(error)}`),
    );
  }
}
