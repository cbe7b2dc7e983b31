/**
 * `npm run bench -- debezium`: Debezium's PostgreSQL connector (Kafka Connect standalone, pgoutput) next to our
 * reader, both capturing the same WAL of a scratch database into the same Kafka, in the same run.
 *
 * Both slots are created before the workload, so each streams exactly the same changes and neither snapshots.
 * Debezium is timed from the Connect process' start (JVM start and connector start-up included) and from its
 * first event, until its topic holds N change events (summed end offsets); our reader runs in its own compiled
 * process (bench/reader/child.ts) from streaming start until its slot is confirmed at the workload's end LSN,
 * which it confirms only once Kafka acknowledged every event, and from its process start to its exit. The two run
 * one after the other (Debezium first), so a busy machine can favour either. Commit-to-Kafka latency is not
 * measured here (debezium-latency does). Debezium writes JSON without schemas by default (its cheapest,
 * connectors.ts), or with --format avro Avro in Confluent framing through our registry, like ours.
 */
import { cpus } from 'node:os';
import { runToCompletion } from '../support/children.ts';
import { benchNodeFlags, compiledScript } from '../support/compiled.ts';
import { benchTable, createCoreDatabase, dropCoreDatabase } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { currentLsn, query, withDatabase } from '../support/postgres.ts';
import { fetchDebeziumArtifacts } from './artifacts.ts';
import { type RunningConnect, startConnect } from './connect.ts';
import { apicurioAvroConverter, postgresSource } from './connectors.ts';

export interface DebeziumBenchOptions {
  rows: number;
  rowsPerTransaction: number;
  /** What Debezium writes: JSON without schemas (its cheapest), or Avro like ours (Apicurio's converter). */
  format: 'json' | 'avro';
}

type Env = Omit<BenchEnv, 'analyticsUrl'>;

const partitions = 3;

interface ReaderChildResult {
  seconds: number;
  events: number;
  maxRssBytes: number;
}

/** Polls the topic's end offsets until they sum to `expected`; returns when the first and the last arrived. */
async function waitForEvents(
  brokers: string[],
  topic: string,
  expected: number,
  timeoutMs: number,
  aborted: () => Error | undefined,
): Promise<{ firstAt: number; lastAt: number; events: number }> {
  const admin = benchKafka(brokers).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let firstAt = 0;
    let events = 0;
    while (Date.now() < deadline) {
      const failure = aborted();
      if (failure) throw failure;
      const topics = await admin.listTopics();
      if (topics.includes(topic)) {
        events = (await topicEnds(admin, topic)).total;
        if (events > 0 && firstAt === 0) firstAt = performance.now();
        if (events >= expected) return { firstAt, lastAt: performance.now(), events };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${topic} holds ${events} of ${expected} events after ${timeoutMs} ms`);
  } finally {
    await admin.disconnect();
  }
}

export async function runDebeziumBench(env: Env, options: DebeziumBenchOptions) {
  const artifacts = fetchDebeziumArtifacts();
  const suffix = runSuffix();
  const database = `bench_debezium_${suffix}`;
  const ourPrefix = `bench${suffix}`;
  const debeziumPrefix = `benchdbz${suffix}`;
  const publication = 'bench_publication';
  const debeziumPublication = 'bench_debezium_publication';
  const ourSlot = 'bench_ours';
  const debeziumSlot = 'bench_debezium';
  const ownerUrl = withDatabase(env.ownerUrl, database);
  const readerUrl = withDatabase(env.readerUrl, database);
  const debeziumTopic = `${debeziumPrefix}.public.${benchTable}`;
  const ourTopic = `${ourPrefix}.public.${benchTable}`;
  let connect: RunningConnect | undefined;
  try {
    await createCoreDatabase(env.ownerUrl, env.readerUrl, database, publication, ourSlot);
    await query(ownerUrl, `CREATE PUBLICATION ${debeziumPublication} FOR TABLE public.${benchTable}`);
    await query(readerUrl, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [debeziumSlot]);

    process.stderr.write(
      `bench debezium: writing ${options.rows} rows in transactions of ${options.rowsPerTransaction}\n`,
    );
    const writeStarted = performance.now();
    await query(ownerUrl, 'CALL bench_fill($1, $2)', [options.rows, options.rowsPerTransaction]);
    const generationSeconds = (performance.now() - writeStarted) / 1000;
    const endLsn = await currentLsn(ownerUrl);

    process.stderr.write(
      `bench debezium: Kafka Connect ${artifacts.kafkaVersion} + Debezium ${artifacts.debeziumVersion}\n`,
    );
    const started = performance.now();
    const running = await startConnect(artifacts, {
      brokers: env.brokers,
      connectors: [
        postgresSource({
          name: `bench-debezium-${suffix}`,
          databaseUrl: readerUrl,
          slot: debeziumSlot,
          publication: debeziumPublication,
          table: benchTable,
          topicPrefix: debeziumPrefix,
          partitions,
          ...(options.format === 'avro' && { converter: apicurioAvroConverter(env.registryUrl, true) }),
        }),
      ],
    });
    connect = running;
    let exited: Error | undefined;
    running.process.once('exit', (code) => {
      exited = new Error(`Kafka Connect exited (${code}):\n${running.logTail()}`);
    });
    await running.waitUntilRunning();
    const runningAt = performance.now();
    const arrival = await waitForEvents(
      env.brokers,
      debeziumTopic,
      options.rows,
      30 * 60 * 1000,
      () => exited,
    );
    const debeziumPeakRss = running.peakRssBytes();
    const workerConfig = running.workerConfig;
    const connectorConfig = running.connectorConfigs[0];
    await running.stop();
    connect = undefined;
    const totalSeconds = (arrival.lastAt - started) / 1000;
    const streamingSeconds = (arrival.lastAt - arrival.firstAt) / 1000;

    process.stderr.write('bench debezium: our replication reader, same WAL\n');
    compiledScript('bench/reader/child.ts'); // compile first, so the wall time below is the reader's alone
    const readerStarted = performance.now();
    const ours = runToCompletion<ReaderChildResult>('bench/reader/child.ts', 'BENCH_READER', {
      coreUrl: readerUrl,
      ownerUrl,
      slot: ourSlot,
      publication,
      table: benchTable,
      prefix: ourPrefix,
      endLsn,
      brokers: env.brokers,
      registryUrl: env.registryUrl,
    });
    const readerSecondsFromStart = (performance.now() - readerStarted) / 1000;
    const admin = benchKafka(env.brokers).admin();
    await admin.connect();
    const ourEvents = (await topicEnds(admin, ourTopic)).total;
    await admin.disconnect();

    return {
      scenario: 'debezium',
      machine: { cpus: cpus().length },
      workload: { ...options, generationSeconds },
      debezium: {
        kafkaConnectVersion: artifacts.kafkaVersion,
        debeziumVersion: artifacts.debeziumVersion,
        converter:
          options.format === 'avro'
            ? 'io.apicurio.registry.utils.converter.AvroConverter 2.6 (Confluent framing, our registry)'
            : 'org.apache.kafka.connect.json.JsonConverter (schemas disabled)',
        events: arrival.events,
        startupSeconds: (runningAt - started) / 1000,
        secondsFromStart: totalSeconds,
        rowsPerSecondFromStart: options.rows / totalSeconds,
        secondsFirstToLastEvent: streamingSeconds,
        rowsPerSecondStreaming: options.rows / streamingSeconds,
        peakRssMb: debeziumPeakRss / 1024 / 1024,
        workerConfig,
        connectorConfig,
      },
      reader: {
        nodeFlags: benchNodeFlags().join(' '),
        kafkaClient: process.env.BENCH_KAFKA_CLIENT ?? 'platformatic',
        events: ours.events,
        eventsInTopic: ourEvents,
        seconds: ours.seconds,
        rowsPerSecond: options.rows / ours.seconds,
        /** Node start to exit (connections, topics, schemas, streaming, shutdown): compare with Debezium's. */
        secondsFromStart: readerSecondsFromStart,
        rowsPerSecondFromStart: options.rows / readerSecondsFromStart,
        peakRssMb: ours.maxRssBytes / 1024 / 1024,
      },
      ratio: {
        oursOverDebeziumStreaming: streamingSeconds / ours.seconds,
        oursOverDebeziumFromStart: totalSeconds / readerSecondsFromStart,
      },
      elsewhere: ['commit-to-Kafka latency: debezium-latency', 'sink side: debezium-sink'],
    };
  } finally {
    await connect?.stop().catch(() => undefined);
    // A database with a slot cannot be dropped: Debezium's slot goes first (dropCoreDatabase drops ours).
    await query(
      readerUrl,
      `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
        WHERE slot_name = $1 AND active_pid IS NOT NULL`,
      [debeziumSlot],
    ).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await query(
      readerUrl,
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [debeziumSlot],
    ).catch(() => undefined);
    await dropCoreDatabase(env.ownerUrl, env.readerUrl, database, ourSlot);
    for (const prefix of [ourPrefix, debeziumPrefix]) {
      await removeKafkaArtefacts(
        env.brokers,
        env.registryUrl,
        prefix,
        [],
        [`${prefix}.public.${benchTable}`],
      ).catch(() => undefined);
    }
  }
}
