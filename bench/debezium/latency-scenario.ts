/**
 * `npm run bench -- debezium-latency`: commit-to-Kafka latency of Debezium's PostgreSQL connector and of our
 * replication reader at steady write rates, p50/p95/p99/max per system and rate.
 *
 * Both capture the same workload concurrently, each from its own slot created before any row: every change has
 * one commit time, seen by both, and both compete for the same two cores at the same moment, so neither gets a
 * quieter machine than the other (run one after the other, the second would either see a different workload
 * or read a backlog, which measures throughput, not latency). Our reader runs in its own compiled, heap-capped
 * process wired as in production (bench/e2e/reader-child.ts); Debezium in Kafka Connect standalone with its
 * defaults (poll.interval.ms 500, max.batch.size 2048; BENCH_DEBEZIUM_POLL_MS overrides the first) and JSON
 * without schemas (connectors.ts). The paced writer of the e2e scenario inserts at each rate for --seconds;
 * latencies are computed afterwards from the topics (commit-latency.ts), so measuring costs the run nothing.
 */
import os from 'node:os';
import { topicOf } from '../../connectors/catalogue.ts';
import type { FromReader } from '../e2e/protocol.ts';
import { type GeneratedStep, PacedInserts } from '../e2e/workload.ts';
import { type RunningChild, startChild } from '../support/children.ts';
import { benchNodeFlags } from '../support/compiled.ts';
import { benchConnector, benchTable } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { fetchDebeziumArtifacts } from './artifacts.ts';
import { type CoreCapture, createCoreCapture, until } from './capture.ts';
import { commitToKafkaLatency, type IdRange } from './commit-latency.ts';
import { type RunningConnect, startConnect } from './connect.ts';
import { postgresSource } from './connectors.ts';

export interface LatencyBenchOptions {
  rates: number[];
  seconds: number;
  rowsPerTransaction: number;
  connections: number;
}

const partitions = 3;
const progress = (message: string) => process.stderr.write(`bench debezium-latency: ${message}\n`);

export async function runDebeziumLatencyBench(
  env: Omit<BenchEnv, 'analyticsUrl'>,
  options: LatencyBenchOptions,
) {
  const artifacts = fetchDebeziumArtifacts({ jdbcSink: false });
  const suffix = runSuffix();
  const ourPrefix = `benchlat${suffix}`;
  const debeziumPrefix = `benchlatdbz${suffix}`;
  const ourTopic = topicOf(benchConnector, ourPrefix);
  const debeziumTopic = `${debeziumPrefix}.public.${benchTable}`;
  const kafka = benchKafka(env.brokers);
  const admin = kafka.admin();
  let capture: CoreCapture | undefined;
  let connect: RunningConnect | undefined;
  let reader: RunningChild<FromReader> | undefined;
  let writer: PacedInserts | undefined;
  try {
    await admin.connect();
    capture = await createCoreCapture(env, `bench_dbzlat_${suffix}`, true);
    const core = capture;
    progress(
      `Kafka Connect ${artifacts.kafkaVersion} + Debezium ${artifacts.debeziumVersion}, and our reader`,
    );
    connect = await startConnect(artifacts, {
      brokers: env.brokers,
      connectors: [
        postgresSource({
          name: `bench-latency-${suffix}`,
          databaseUrl: core.readerUrl,
          slot: core.debeziumSlot,
          publication: core.debeziumPublication,
          table: benchTable,
          topicPrefix: debeziumPrefix,
          partitions,
        }),
      ],
    });
    reader = startChild<FromReader>('bench/e2e/reader-child.ts', 'BENCH_E2E_READER', {
      coreUrl: core.readerUrl,
      slot: core.slot,
      publication: core.publication,
      prefix: ourPrefix,
      brokers: env.brokers,
      registryUrl: env.registryUrl,
    });
    await Promise.all([
      connect.waitUntilRunning(),
      reader.waitFor((message) => (message.type === 'streaming' ? true : undefined), 'streaming', 60_000),
    ]);
    const running = connect;
    const delivered = async (expected: number) => {
      const failure = await running.failure();
      if (failure) throw new Error(`Debezium failed: ${failure}`);
      const topics = await admin.listTopics();
      if (!topics.includes(ourTopic) || !topics.includes(debeziumTopic)) return undefined;
      const [ours, theirs] = [
        (await topicEnds(admin, ourTopic)).total,
        (await topicEnds(admin, debeziumTopic)).total,
      ];
      return ours >= expected && theirs >= expected ? true : undefined;
    };

    writer = new PacedInserts(core.ownerUrl, options.connections);
    await writer.open();
    // Warm-up (topic creation, schema registration, JIT on both sides): its rows are left out of the figures.
    const firstRate = options.rates[0] ?? 1_000;
    progress(`warm-up: ${firstRate} rows/s for 5 s`);
    await writer.run(benchTable, firstRate, 5, options.rowsPerTransaction);
    await until(
      () => delivered(writer?.inserted ?? 0),
      'the warm-up rows did not reach both topics',
      120_000,
    );

    const ranges: IdRange[] = [];
    const generated: GeneratedStep[] = [];
    for (const rate of options.rates) {
      progress(`${rate} rows/s for ${options.seconds} s, ${options.rowsPerTransaction} rows per transaction`);
      const first = writer.inserted + 1;
      generated.push(await writer.run(benchTable, rate, options.seconds, options.rowsPerTransaction));
      ranges.push({ first, last: writer.inserted });
      const expected = writer.inserted;
      await until(() => delivered(expected), `the ${rate} rows/s step did not reach both topics`, 180_000);
    }
    const debeziumPeakRss = connect.peakRssBytes();
    const connectorConfig = connect.connectorConfigs[0];
    await connect.stop();
    connect = undefined;
    const stopped = reader.waitFor((m) => (m.type === 'stopped' ? m : undefined), 'stopped', 60_000);
    await reader.stop();
    const readerStopped = await stopped.catch(() => undefined);
    reader = undefined;

    progress('reading both topics back');
    const ours = await commitToKafkaLatency(kafka, admin, ourTopic, 'avro', env.registryUrl, ranges);
    const debezium = await commitToKafkaLatency(kafka, admin, debeziumTopic, 'json', env.registryUrl, ranges);
    return {
      scenario: 'debezium-latency',
      machine: { cpus: os.cpus().length },
      options,
      method:
        'concurrent capture of one paced workload; latency = Kafka record timestamp (CreateTime) - source.ts_ms',
      steps: options.rates.map((rate, index) => ({
        offeredRowsPerSecond: rate,
        achievedRowsPerSecond: generated[index]?.rowsPerSecond ?? 0,
        rows: generated[index]?.rows ?? 0,
        oursMs: ours.perStep[index],
        debeziumMs: debezium.perStep[index],
      })),
      unstamped: { ours: ours.unstamped, debezium: debezium.unstamped },
      debezium: {
        kafkaConnectVersion: artifacts.kafkaVersion,
        debeziumVersion: artifacts.debeziumVersion,
        converter: 'org.apache.kafka.connect.json.JsonConverter (schemas disabled)',
        peakRssMb: debeziumPeakRss / 1024 / 1024,
        connectorConfig,
      },
      reader: {
        nodeFlags: benchNodeFlags().join(' '),
        peakRssMb: (readerStopped?.maxRssBytes ?? 0) / 1024 / 1024,
      },
    };
  } finally {
    await writer?.close();
    await connect?.stop().catch(() => undefined);
    await reader?.stop().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await capture?.drop();
    for (const [prefix, topic] of [
      [ourPrefix, ourTopic],
      [debeziumPrefix, debeziumTopic],
    ] as const) {
      await removeKafkaArtefacts(env.brokers, env.registryUrl, prefix, [], [topic]).catch(() => undefined);
    }
  }
}
