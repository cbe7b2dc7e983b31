/**
 * `npm run bench -- debezium-compat`: does Debezium's JDBC sink read OUR topic (Avro, Confluent framing,
 * subjects in our Apicurio registry, Debezium envelope layout), and is the table it builds the source table?
 *
 * The JDBC sink reads key and value through Apicurio's AvroConverter 2.6 (Maven Central) in its Confluent mode
 * (connectors.ts). The workload mixes every change kind on the bench table (bigint, uuid, text, numeric(12,2),
 * boolean, jsonb, timestamptz): N inserts, a row of NULLs and a row of edge values, updates of 30 %, deletes of
 * 10 % (each followed by our tombstone); our reader streams it; the sink runs until its consumer group has
 * committed the topic's end offsets (or a task fails, which is a result too: the trace is reported). Then the
 * tables are compared row by row (compat-compare.ts). Last, a TRUNCATE: we send one `op: t` event per partition
 * keyed by `cdc.TruncateKey`; the check is whether the sink empties its table.
 */
import os from 'node:os';
import type { Admin } from 'kafkajs';
import { topicOf } from '../../connectors/catalogue.ts';
import { readTopicsToEnd } from '../../lib/kafka/read-to-end.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { createAnalyticsDatabase } from '../support/analytics.ts';
import { runToCompletion } from '../support/children.ts';
import { benchConnector, benchTable } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { currentLsn, dropDatabase, query } from '../support/postgres.ts';
import { fetchDebeziumArtifacts } from './artifacts.ts';
import { type CoreCapture, createCoreCapture } from './capture.ts';
import { compareTables } from './compat-compare.ts';
import { type RunningConnect, startConnect } from './connect.ts';
import { apicurioAvroConverter, jdbcSink } from './connectors.ts';

/** Not `bench_events`: the JDBC sink finds tables by name across schemas (see sink-scenario.ts). */
const jdbcTable = `jdbc_${benchTable}`;
const progress = (message: string) => process.stderr.write(`bench debezium-compat: ${message}\n`);

/** Edge values: NULLs everywhere they are allowed, then extremes of each type. */
const edgeRowsSql = `
  INSERT INTO ${benchTable} (id, event_id, kind, source, mission_id, widget_id, amount, is_bot, host, attributes,
                             created_at, updated_at)
  VALUES ($1, gen_random_uuid(), 'null-row', 'widget', NULL, NULL, NULL, false, NULL, NULL,
          '1970-01-01 00:00:00+00', '2024-02-29 23:59:59.999999+00'),
         ($1 + 1, '00000000-0000-0000-0000-000000000001', E'quote '' backslash \\\\ tab\\t é ✓', '',
          9223372036854775807, -9223372036854775808, -9999999999.99, true, repeat('x', 5000),
          '{"nested": {"a": [1, 2.5, null, "x"]}, "unicode": "é✓", "big": 12345678901234567890}',
          '1900-01-01 00:00:00.000001+00', '2999-12-31 23:59:59.123456+00')`;

async function groupCaughtUp(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const ends = (await topicEnds(admin, topic)).ends;
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  const offsets = new Map(committed[0]?.partitions.map((p) => [p.partition, p.offset]) ?? []);
  return Object.entries(ends).every(
    ([partition, end]) => end === '0' || offsets.get(Number(partition)) === end,
  );
}

/** Waits for the sink's group to commit the topic's end; a FAILED task or the timeout ends the wait with why. */
async function sinkOutcome(connect: RunningConnect, admin: Admin, groupId: string, topic: string) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const failure = await connect.failure();
    if (failure) return { caughtUp: false, failure: failure.split('\n').slice(0, 30).join('\n') };
    if (await groupCaughtUp(admin, groupId, topic).catch(() => false)) return { caughtUp: true };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { caughtUp: false, failure: `group ${groupId} did not reach the end of ${topic} within 180 s` };
}

/** What we sent: events per op, tombstones, and the key schemas' record names. */
async function census(env: BenchEnv, admin: Admin, topic: string) {
  const registry = createSchemaRegistryClient({ url: env.registryUrl });
  const raw: { key: Buffer | null; value: Buffer | null }[] = [];
  await readTopicsToEnd(benchKafka(env.brokers), admin, [topic], (r) => raw.push(r), {
    timeoutMs: 60_000,
    groupPrefix: 'bench-debezium-compat',
  });
  const counts: Record<string, number> = {};
  for (const record of raw) {
    const op = record.value
      ? String(((await registry.decode(record.value)) as { op: string }).op)
      : 'tombstone';
    const keyName = record.key ? ((await registry.decode(record.key)) as object).constructor.name : 'none';
    const label = `${op} (key ${keyName === 'Object' ? 'record' : keyName})`;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

export async function runDebeziumCompatBench(env: BenchEnv, options: { rows: number }) {
  const artifacts = fetchDebeziumArtifacts({ jdbcSink: true, apicurio: true });
  const suffix = runSuffix();
  const prefix = `benchcompat${suffix}`;
  const topic = topicOf(benchConnector, prefix);
  const analyticsDatabase = `bench_dbzcompat_raw_${suffix}`;
  const sinkName = `bench-compat-jdbc-${suffix}`;
  const groupId = `connect-${sinkName}`;
  const admin = benchKafka(env.brokers).admin();
  let capture: CoreCapture | undefined;
  let connect: RunningConnect | undefined;
  const { rows } = options;
  try {
    await admin.connect();
    capture = await createCoreCapture(env, `bench_dbzcompat_${suffix}`, false);
    const core = capture;
    const stream = async () => {
      runToCompletion('bench/reader/child.ts', 'BENCH_READER', {
        coreUrl: core.readerUrl,
        ownerUrl: core.ownerUrl,
        slot: core.slot,
        publication: core.publication,
        table: benchTable,
        prefix,
        endLsn: await currentLsn(core.ownerUrl),
        brokers: env.brokers,
        registryUrl: env.registryUrl,
      });
    };
    progress(`${rows} inserts, 2 edge rows, updates of 30 %, deletes of 10 %`);
    await query(core.ownerUrl, 'CALL bench_fill($1, 10)', [rows]);
    await query(core.ownerUrl, edgeRowsSql, [rows + 1]);
    await query(core.ownerUrl, 'CALL bench_touch($1, 10)', [Math.ceil(rows * 0.3)]);
    await query(core.ownerUrl, `DELETE FROM ${benchTable} WHERE id > $1 AND id <= $2`, [
      Math.floor(rows * 0.9),
      rows,
    ]);
    await stream();
    const analyticsUrl = await createAnalyticsDatabase(env.ownerUrl, env.analyticsUrl, analyticsDatabase);
    await query(analyticsUrl, 'CREATE SCHEMA dbz');

    progress('Debezium JDBC sink reads our topic through Apicurio AvroConverter');
    connect = await startConnect(artifacts, {
      brokers: env.brokers,
      connectors: [
        jdbcSink({
          name: sinkName,
          databaseUrl: analyticsUrl,
          schema: 'dbz',
          table: jdbcTable,
          topic,
          key: apicurioAvroConverter(env.registryUrl),
          value: apicurioAvroConverter(env.registryUrl),
        }),
      ],
    });
    const sent = await census(env, admin, topic);
    await connect.waitUntilRunning().catch(() => undefined); // a task failing on its first record is reported below
    const changes = await sinkOutcome(connect, admin, groupId, topic);
    const source = { url: core.ownerUrl, schema: 'public', table: benchTable };
    const target = { url: analyticsUrl, schema: 'dbz', table: jdbcTable };
    const comparison = await compareTables(source, target);

    let truncate:
      | { outcome: Awaited<ReturnType<typeof sinkOutcome>>; rowsLeft: number; sent: object }
      | undefined;
    if (changes.caughtUp) {
      progress('TRUNCATE at the source');
      await query(core.ownerUrl, `TRUNCATE ${benchTable}`);
      await stream();
      const outcome = await sinkOutcome(connect, admin, groupId, topic);
      const left = await query<{ n: string }>(
        analyticsUrl,
        `SELECT count(*)::text AS n FROM dbz.${jdbcTable}`,
      );
      truncate = { outcome, rowsLeft: Number(left[0]?.n), sent: await census(env, admin, topic) };
    }
    const connectorConfig = connect.connectorConfigs[0];
    const logWarnings = connect
      .logTail(400)
      .split('\n')
      .filter((line) => / (WARN|ERROR) /.test(line) && !line.includes('CloudEventsConverter'))
      .slice(-15);
    return {
      scenario: 'debezium-compat',
      machine: { cpus: os.cpus().length },
      workload: { rows, edgeRows: 2, updated: Math.ceil(rows * 0.3), deleted: rows - Math.floor(rows * 0.9) },
      versions: { jdbcSink: artifacts.jdbcSinkVersion, apicurioConverter: artifacts.apicurioVersion },
      sent,
      changes,
      comparison,
      truncate,
      logWarnings,
      connectorConfig,
    };
  } finally {
    await connect?.stop().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await capture?.drop();
    await dropDatabase(env.ownerUrl, analyticsDatabase);
    await removeKafkaArtefacts(env.brokers, env.registryUrl, prefix, [groupId], [topic]).catch(
      () => undefined,
    );
  }
}
