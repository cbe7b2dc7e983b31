/**
 * What the raw sink's integration tests share: a scratch analytics database migrated by dbmate, raw tables
 * created from their columns, sinks started in this process on the reader fixture's connectors, and the checks
 * ("raw equals core", "the cursor reached the end of every partition"). Everything it creates is removed by
 * `tearDown`.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import { expect } from 'vitest';
import { createConnectorCatalogue } from '../../../connectors/catalogue.ts';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { createLogger } from '../../../lib/logging/index.ts';
import { type RawColumn, rawTableDdl } from '../../../lib/raw/raw-table.ts';
import { createSchemaRegistryClient } from '../../../lib/registry/index.ts';
import { runDbmate } from '../../../scripts/db/dbmate.ts';
import { createSinkMetrics, type SinkMetrics } from '../../../services/raw-sink/metrics.ts';
import { RawSink } from '../../../services/raw-sink/sink.ts';
import type { ReaderFixture } from '../../reader/support/reader-fixture.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';
import { requireEnv, uniqueName } from '../../support/names.ts';

export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export class SinkFixture {
  readonly groupId = uniqueName('raw-sink');
  readonly kafka = new Kafka({
    clientId: 'sink-test',
    brokers: requireEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  analytics: ScratchDatabase | undefined;
  pool!: pg.Pool;
  private readonly sinks = new Set<RawSink>();

  constructor(private readonly reader: ReaderFixture) {}

  /**
   * The scratch analytics database, migrated as the sink role (which owns analytics_raw, as in the stack).
   * `sessionTimeZone`: the TimeZone of the pool's sessions (the sink's and the test's own queries), to show that
   * what lands does not depend on it.
   */
  async setUp(options: { sessionTimeZone?: string } = {}): Promise<void> {
    this.analytics = await createScratchDatabase('raw_sink', ['cdc_sink', 'cdc_transform']);
    const migrated = await runDbmate({ target: 'analytics', url: this.url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    this.pool = new pg.Pool({
      connectionString: this.url,
      max: 4,
      ...(options.sessionTimeZone && { options: `-c TimeZone=${options.sessionTimeZone}` }),
    });
    this.pool.on('error', () => undefined);
  }

  get url(): string {
    return (this.analytics as ScratchDatabase).url('DATABASE_URL_ANALYTICS');
  }

  async createRawTable(
    table: string,
    columns: readonly RawColumn[],
    conflictColumns = ['id'],
  ): Promise<void> {
    await this.pool.query(rawTableDdl({ table, source: `public.${table}`, columns, conflictColumns }));
  }

  /** A sink on the reader fixture's connectors (or others), in this process; stopped by `tearDown`. */
  async startSink(
    options: {
      connectors?: ConnectorDefinition[];
      pool?: pg.Pool;
      metrics?: SinkMetrics;
      pausedPollMs?: number;
      fetchMaxBytesPerPartition?: number;
    } = {},
  ): Promise<RawSink> {
    const sink = new RawSink({
      kafka: this.kafka,
      groupId: this.groupId,
      pool: options.pool ?? this.pool,
      registry: createSchemaRegistryClient({ url: requireEnv('SCHEMA_REGISTRY_URL') }),
      connectors: createConnectorCatalogue(options.connectors ?? this.reader.connectors, this.reader.prefix),
      logger: createLogger({ service: 'sink-test', level: process.env.SINK_TEST_LOG ?? 'silent' }),
      metrics: options.metrics ?? createSinkMetrics(new Registry()),
      pausedPollMs: options.pausedPollMs ?? 500,
      sessionTimeoutMs: 6_000,
      fetchMaxBytesPerPartition: options.fetchMaxBytesPerPartition,
    });
    this.sinks.add(sink);
    await sink.start();
    return sink;
  }

  async stopSink(sink: RawSink): Promise<void> {
    this.sinks.delete(sink);
    await sink.stop();
  }

  /** Stops every sink this fixture started and that still runs (a failed test may leave one). */
  async stopSinks(): Promise<void> {
    for (const sink of [...this.sinks]) await this.stopSink(sink);
  }

  /** Same rows in core and raw (live rows only), compared as text by the given select list. */
  async converged(table: string, columns: string): Promise<boolean> {
    const core = await this.reader.owner.query(`SELECT ${columns} FROM ${table} ORDER BY id`);
    const raw = await this.pool.query(
      `SELECT ${columns} FROM analytics_raw.${table} WHERE NOT _deleted ORDER BY id`,
    );
    return JSON.stringify(core.rows) === JSON.stringify(raw.rows);
  }

  /**
   * The topic holds at least `minMessages` and the stored cursor (cdc.consumer_offsets) equals the end of
   * every partition (the minimum keeps "nothing produced yet" from passing for "caught up").
   */
  async caughtUp(topic: string, minMessages: number, groupId = this.groupId): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const total = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
      if (total < minMessages) return false;
      const { rows } = await this.pool.query<{ partition: number; next_offset: string }>(
        `SELECT partition, next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1 AND topic = $2`,
        [groupId, topic],
      );
      const stored = new Map(rows.map((row) => [row.partition, row.next_offset]));
      return ends.every((end) => end.high === end.low || stored.get(end.partition) === end.high);
    } finally {
      await admin.disconnect();
    }
  }

  async tearDown(): Promise<void> {
    for (const sink of this.sinks) await sink.stop().catch(() => undefined);
    // Sessions of killed sink processes may linger; the owner role may not end them, their own role may.
    await this.pool
      ?.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()`,
      )
      .catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
    await this.analytics?.drop();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
