/**
 * `npm run bench -- debezium-sink`: Debezium's JDBC sink connector next to our raw sink, each landing the same N
 * change events (N inserts, captured from one WAL) into the same scratch analytics database.
 *
 * 1. N rows are inserted; Debezium's PostgreSQL connector and our reader each capture them into their own topic.
 *    Debezium writes JSON *with* schemas (JsonConverter schemas.enable=true): the JDBC sink needs a schema to
 *    build its table, and JSON keeps the Debezium side free of a converter Debezium does not ship.
 * 2. The JDBC sink (Kafka Connect standalone, upsert by record key, deletes and truncates on) lands Debezium's
 *    topic into `dbz.jdbc_bench_events`, a table it creates itself; timed from the JVM's start and from its first row
 *    until the table holds N rows.
 * 3. Our sink (its own compiled, heap-capped process, bench/sink/child.ts) lands our topic into
 *    analytics_raw.bench_events (the migration-built raw table); timed from start() until its stored cursor
 *    reaches the topic's end offsets, and from process start.
 * The two sinks run one after the other (JDBC first), alone on the machine.
 */
import os from 'node:os';
import { topicOf } from '../../connectors/catalogue.ts';
import { createAnalyticsDatabase, createRawTable } from '../support/analytics.ts';
import { runToCompletion } from '../support/children.ts';
import { benchNodeFlags, compiledScript } from '../support/compiled.ts';
import { benchConnector, benchTable } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { currentLsn, dropDatabase, query } from '../support/postgres.ts';
import { fetchDebeziumArtifacts } from './artifacts.ts';
import { type CoreCapture, createCoreCapture, until } from './capture.ts';
import { type RunningConnect, startConnect } from './connect.ts';
import { jdbcSink, jsonConverter, postgresSource } from './connectors.ts';

export interface SinkBenchOptions {
  rows: number;
  rowsPerTransaction: number;
}

interface SinkChildResult {
  seconds: number;
  firstBatchSeconds: number | undefined;
  rows: number;
  maxRssBytes: number;
}

const partitions = 3;
const timeoutMs = 20 * 60 * 1000;
/**
 * Not `bench_events`: the JDBC sink looks its table up by name across the schemas it can see and would write
 * into analytics_raw.bench_events (our raw table) instead of creating its own in `dbz`.
 */
const jdbcTable = `jdbc_${benchTable}`;
const progress = (message: string) => process.stderr.write(`bench debezium-sink: ${message}\n`);

/** Rows in `schema.table`, 0 while the JDBC sink has not created it yet. */
async function countRows(url: string, schema: string, table: string): Promise<number> {
  const rows = await query<{ n: string | null }>(url, 'SELECT to_regclass($1)::text AS n', [
    `${schema}.${table}`,
  ]);
  if (!rows[0]?.n) return 0;
  const counted = await query<{ n: string }>(url, `SELECT count(*)::text AS n FROM ${schema}.${table}`);
  return Number(counted[0]?.n);
}

export async function runDebeziumSinkBench(env: BenchEnv, options: SinkBenchOptions) {
  const artifacts = fetchDebeziumArtifacts({ jdbcSink: true });
  const suffix = runSuffix();
  const ourPrefix = `benchdsink${suffix}`;
  const debeziumPrefix = `benchdsinkdbz${suffix}`;
  const ourTopic = topicOf(benchConnector, ourPrefix);
  const debeziumTopic = `${debeziumPrefix}.public.${benchTable}`;
  const analyticsDatabase = `bench_dbzsink_raw_${suffix}`;
  const sourceName = `bench-sink-source-${suffix}`;
  const sinkName = `bench-sink-jdbc-${suffix}`;
  const ourGroup = `bench-dsink-${suffix}`;
  const admin = benchKafka(env.brokers).admin();
  let capture: CoreCapture | undefined;
  let connect: RunningConnect | undefined;
  const { rows, rowsPerTransaction } = options;
  try {
    await admin.connect();
    capture = await createCoreCapture(env, `bench_dbzsink_${suffix}`, true);
    const core = capture;
    progress(`inserting ${rows} rows in transactions of ${rowsPerTransaction}`);
    await query(core.ownerUrl, 'CALL bench_fill($1, $2)', [rows, rowsPerTransaction]);
    const endLsn = await currentLsn(core.ownerUrl);

    progress('Debezium captures the rows (JSON with schemas)');
    connect = await startConnect(artifacts, {
      brokers: env.brokers,
      connectors: [
        postgresSource({
          name: sourceName,
          databaseUrl: core.readerUrl,
          slot: core.debeziumSlot,
          publication: core.debeziumPublication,
          table: benchTable,
          topicPrefix: debeziumPrefix,
          partitions,
          converter: jsonConverter(true),
        }),
      ],
    });
    const source = connect;
    await source.waitUntilRunning();
    await until(
      async () => {
        const failure = await source.failure();
        if (failure) throw new Error(`Debezium failed: ${failure}`);
        const present = (await admin.listTopics()).includes(debeziumTopic);
        return present && (await topicEnds(admin, debeziumTopic)).total >= rows ? true : undefined;
      },
      `${debeziumTopic} does not hold ${rows} events`,
      timeoutMs,
    );
    await source.stop();
    connect = undefined;
    progress('our reader captures the same rows');
    runToCompletion('bench/reader/child.ts', 'BENCH_READER', {
      coreUrl: core.readerUrl,
      ownerUrl: core.ownerUrl,
      slot: core.slot,
      publication: core.publication,
      table: benchTable,
      prefix: ourPrefix,
      endLsn,
      brokers: env.brokers,
      registryUrl: env.registryUrl,
    });
    const ourEnds = await topicEnds(admin, ourTopic);
    if (ourEnds.total !== rows)
      throw new Error(`${ourTopic} holds ${ourEnds.total} events, expected ${rows}`);

    const analyticsUrl = await createAnalyticsDatabase(env.ownerUrl, env.analyticsUrl, analyticsDatabase);
    await createRawTable(analyticsUrl, env.registryUrl, benchConnector, ourTopic);
    await query(analyticsUrl, 'CREATE SCHEMA dbz');

    progress(`Debezium JDBC sink → dbz.${jdbcTable}`);
    const jdbcStarted = performance.now();
    connect = await startConnect(artifacts, {
      brokers: env.brokers,
      connectors: [
        jdbcSink({
          name: sinkName,
          databaseUrl: analyticsUrl,
          schema: 'dbz',
          table: jdbcTable,
          topic: debeziumTopic,
          key: jsonConverter(true),
          value: jsonConverter(true),
        }),
      ],
    });
    const sink = connect;
    await sink.waitUntilRunning();
    const jdbcRunningAt = performance.now();
    let jdbcFirstRowAt = 0;
    await until(
      async () => {
        const failure = await sink.failure();
        if (failure) throw new Error(`JDBC sink failed: ${failure}`);
        const landed = await countRows(analyticsUrl, 'dbz', jdbcTable);
        if (landed > 0 && jdbcFirstRowAt === 0) jdbcFirstRowAt = performance.now();
        return landed >= rows ? true : undefined;
      },
      `dbz.${jdbcTable} does not hold ${rows} rows`,
      timeoutMs,
    );
    const jdbcDoneAt = performance.now();
    const jdbcPeakRss = sink.peakRssBytes();
    const jdbcConfig = sink.connectorConfigs[0];
    await sink.stop();
    connect = undefined;

    progress('our raw sink → analytics_raw.bench_events');
    compiledScript('bench/sink/child.ts'); // compile first, so the wall time below is the sink's alone
    const oursStarted = performance.now();
    const ours = runToCompletion<SinkChildResult>('bench/sink/child.ts', 'BENCH_SINK', {
      analyticsUrl,
      brokers: env.brokers,
      registryUrl: env.registryUrl,
      prefix: ourPrefix,
      groupId: ourGroup,
      topic: ourTopic,
      ends: ourEnds.ends,
      timeoutMs,
    });
    const oursWallSeconds = (performance.now() - oursStarted) / 1000;
    const landed = await countRows(analyticsUrl, 'analytics_raw', benchTable);
    if (landed !== rows) throw new Error(`analytics_raw.${benchTable} holds ${landed} rows, not ${rows}`);

    const jdbcSeconds = (jdbcDoneAt - jdbcStarted) / 1000;
    const jdbcFromFirstRow = (jdbcDoneAt - jdbcFirstRowAt) / 1000;
    const oursFromFirstBatch = ours.seconds - (ours.firstBatchSeconds ?? 0);
    return {
      scenario: 'debezium-sink',
      machine: { cpus: os.cpus().length },
      workload: { rows, rowsPerTransaction, table: benchTable, partitions },
      jdbcSink: {
        version: artifacts.jdbcSinkVersion,
        kafkaConnectVersion: artifacts.kafkaVersion,
        converter: 'org.apache.kafka.connect.json.JsonConverter (schemas enabled), key and value',
        startupSeconds: (jdbcRunningAt - jdbcStarted) / 1000,
        secondsFromProcessStart: jdbcSeconds,
        rowsPerSecondFromProcessStart: rows / jdbcSeconds,
        secondsFromFirstRow: jdbcFromFirstRow,
        rowsPerSecondFromFirstRow: rows / jdbcFromFirstRow,
        peakRssMb: jdbcPeakRss / 1024 / 1024,
        connectorConfig: jdbcConfig,
      },
      ours: {
        nodeFlags: benchNodeFlags().join(' '),
        secondsFromProcessStart: oursWallSeconds,
        rowsPerSecondFromProcessStart: rows / oursWallSeconds,
        secondsFromStart: ours.seconds,
        rowsPerSecondFromStart: rows / ours.seconds,
        secondsFromFirstBatch: oursFromFirstBatch,
        rowsPerSecondFromFirstBatch: rows / oursFromFirstBatch,
        peakRssMb: ours.maxRssBytes / 1024 / 1024,
      },
      ratio: {
        oursOverJdbcFromProcessStart: jdbcSeconds / oursWallSeconds,
        oursOverJdbcFromFirstRow: jdbcFromFirstRow / oursFromFirstBatch,
      },
    };
  } finally {
    await connect?.stop().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await capture?.drop();
    await dropDatabase(env.ownerUrl, analyticsDatabase);
    await removeKafkaArtefacts(env.brokers, env.registryUrl, ourPrefix, [ourGroup], [ourTopic]).catch(
      () => undefined,
    );
    await removeKafkaArtefacts(
      env.brokers,
      env.registryUrl,
      debeziumPrefix,
      [`connect-${sinkName}`],
      [],
    ).catch(() => undefined);
  }
}
