/**
 * Runs the replication reader in-process against a scratch core database, with its own slot, publication,
 * topic prefix and registry subjects, and reads the topics back decoded. Everything is removed at the end.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createConnectorCatalogue } from '../../../connectors/catalogue.ts';
import { defineConnector } from '../../../connectors/define.ts';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { createLogger } from '../../../lib/logging/index.ts';
import type { NotifyEvent } from '../../../lib/notify/index.ts';
import { schemaIdOf } from '../../../lib/registry/framing.ts';
import { createSchemaRegistryClient } from '../../../lib/registry/index.ts';
import { syncPublication } from '../../../lib/source/publication.ts';
import { ReaderAlerts } from '../../../services/replication-reader/alerts.ts';
import { createReaderMetrics } from '../../../services/replication-reader/metrics.ts';
import { OversizedTables } from '../../../services/replication-reader/pipeline/oversized-tables.ts';
import { UnmappableTables } from '../../../services/replication-reader/pipeline/unmappable-tables.ts';
import { defaultBatchingOptions } from '../../../services/replication-reader/producer/batching-producer.ts';
import {
  createSender,
  type KafkaClientName,
} from '../../../services/replication-reader/producer/create-sender.ts';
import { type ReaderRunOptions, runReader } from '../../../services/replication-reader/reader.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';
import { requireEnv, uniqueName } from '../../support/names.ts';

export interface DecodedEvent {
  topic: string;
  partition: number;
  offset: string;
  key: unknown;
  /** The decoded envelope, or null for a tombstone. */
  value: Record<string, unknown> | null;
  /** The writer schema id of the value (Confluent framing), or null for a tombstone. */
  valueSchemaId: number | null;
}

/** A table's snapshot-end event (an `r` without a row, see schemas/README.md). */
export function isSnapshotEnd(event: DecodedEvent): boolean {
  const value = event.value as { op?: string; after?: unknown; source?: { snapshot?: string } } | null;
  return value?.op === 'r' && !value.after && value.source?.snapshot === 'last_in_data_collection';
}

export class ReaderFixture {
  readonly prefix = uniqueName('rt').replaceAll('_', '');
  readonly slot = uniqueName('slot');
  readonly publication = uniqueName('pub');
  readonly kafka: Kafka;
  readonly registry = createSchemaRegistryClient({ url: requireEnv('SCHEMA_REGISTRY_URL') });
  owner!: pg.Client;
  database!: ScratchDatabase;
  connectors: ConnectorDefinition[] = [];
  /** Metrics of the latest reader run. */
  metricsRegistry = new Registry();
  private running: { stop: () => void; done: Promise<void> } | undefined;
  /** Runs that ended to replay from the slot (a paused table resumed), since the fixture was created. */
  replays = 0;
  /** What a ReaderService would tell people about the tables' pauses (alerts.ts), recorded. */
  readonly notifications: NotifyEvent[] = [];
  /** The reader's log lines at warn and above (parsed JSON), across runs. */
  readonly logs: Record<string, unknown>[] = [];

  constructor(readonly brokers: string[] = requireEnv('KAFKA_BROKERS').split(',')) {
    this.kafka = new Kafka({
      clientId: 'reader-test',
      brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 3 },
    });
  }

  /** `database`: a core database of the test's own (a throwaway cluster); default a scratch one on the stack. */
  async setUp(ddl: string, connectors: ConnectorDefinition[], database?: ScratchDatabase): Promise<void> {
    this.database = database ?? (await createScratchDatabase('reader_test'));
    this.owner = new pg.Client({ connectionString: this.database.url('DATABASE_URL_CORE_OWNER') });
    await this.owner.connect();
    await this.owner.query(ddl);
    this.connectors = connectors.map((connector) => defineConnector(connector));
    for (const connector of this.connectors) {
      await this.owner.query(
        `GRANT SELECT ON ${connector.source.schema}.${connector.source.table} TO cdc_reader`,
      );
    }
    await syncPublication(this.owner, { publication: this.publication, connectors: this.connectors });
  }

  /** Captures one more table (as a developer adding a connector file would), publication included. */
  async addConnector(connector: ConnectorDefinition): Promise<void> {
    const defined = defineConnector(connector);
    this.connectors.push(defined);
    await this.owner.query(`GRANT SELECT ON ${defined.source.schema}.${defined.source.table} TO cdc_reader`);
    await syncPublication(this.owner, { publication: this.publication, connectors: this.connectors });
  }

  topic(table: string, schema = 'public'): string {
    return `${this.prefix}.${schema}.${table}`;
  }

  /**
   * What a reader (a run, or a ReaderService) needs to stream this fixture's slot, with fresh metrics; the
   * callbacks and the run-spanning state (paused tables) are the caller's.
   */
  readerOptions(
    options: { statusIntervalMs?: number; kafkaClient?: KafkaClientName; snapshotChunkRows?: number } = {},
  ): Omit<ReaderRunOptions, 'onStreaming' | 'onTablePaused' | 'oversized' | 'unmappable'> {
    this.metricsRegistry = new Registry();
    return {
      coreUrl: this.database.url('DATABASE_URL_CORE'),
      slot: this.slot,
      publication: this.publication,
      connectors: createConnectorCatalogue(this.connectors, this.prefix),
      kafka: this.kafka,
      createSender: () =>
        createSender(options.kafkaClient ?? 'platformatic', {
          kafka: this.kafka,
          connection: { clientId: 'reader-test', bootstrapBrokers: this.brokers },
        }),
      topics: { partitions: 3, replicationFactor: 1 },
      registry: this.registry,
      pseudonymisationKey: 'test-pseudonymisation-key-0123456789abcdef',
      batching: { ...defaultBatchingOptions, lingerMs: 5 },
      statusIntervalMs: options.statusIntervalMs ?? 500,
      logger: createLogger({ service: 'reader-test', level: 'silent' }),
      metrics: createReaderMetrics(this.metricsRegistry),
      pausedRetryMs: 500,
      snapshotChunkRows: options.snapshotChunkRows,
    };
  }

  /** Starts the reader; resolves once it streams. */
  async start(
    options: {
      statusIntervalMs?: number;
      kafkaClient?: KafkaClientName;
      snapshotChunkRows?: number;
      /** The state store's test seam (reader.ts): throwing from it fails that state write. */
      beforeStateWrite?: (key: string) => void | Promise<void>;
    } = {},
  ): Promise<void> {
    let stop: () => void = () => undefined;
    const stopRequested = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let streaming: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      streaming = resolve;
    });
    const readerOptions = this.readerOptions(options);
    const alerts = new ReaderAlerts(
      { notify: (event) => this.notifications.push(event), close: async () => undefined },
      { slot: this.slot, connectors: readerOptions.connectors, pausedRetryMs: 500 },
    );
    // As ReaderService does: tables paused for a too-large message or an unmappable value stay paused across
    // the runs.
    const oversized = new OversizedTables();
    const unmappable = new UnmappableTables();
    const logger = createLogger({
      service: 'reader-test',
      level: 'warn',
      destination: { write: (line: string) => this.logs.push(JSON.parse(line)) },
    });
    const runOnce = () =>
      runReader(
        {
          ...readerOptions,
          oversized,
          beforeStateWrite: options.beforeStateWrite,
          unmappable,
          logger,
          onStreaming: () => streaming(),
          onTablePaused: (table, paused, cause) => alerts.tablePaused(table, paused, cause),
        },
        stopRequested,
      );
    // As ReaderService does: a run that ends for a replay (a paused table is accepted again) is run again.
    const done = (async () => {
      while ((await runOnce()) === 'replay') this.replays++;
    })();
    this.running = { stop, done };
    await Promise.race([started, done]);
  }

  /** Waits for the running reader to fail (after its walsender was killed, for example). */
  async failure(timeoutMs = 30_000): Promise<unknown> {
    const running = this.running;
    this.running = undefined;
    if (!running) throw new Error('the reader is not running');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the reader did not fail within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([running.done, timeout]);
    } catch (error) {
      return error;
    } finally {
      clearTimeout(timer);
    }
    throw new Error('the reader ended without an error');
  }

  /** Kills the walsender of the reader's slot: to the reader, the database connection dropped mid-stream. */
  /** Terminates the reader role's backends of one application (e.g. the snapshot copy), as that role. */
  async killBackends(applicationName: string): Promise<number> {
    const reader = new pg.Client({ connectionString: this.database.url('DATABASE_URL_CORE') });
    await reader.connect();
    try {
      const { rows } = await reader.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()`,
        [applicationName],
      );
      return rows[0]?.n ?? 0;
    } finally {
      await reader.end();
    }
  }

  async killWalsender(): Promise<void> {
    // As the reader's own role: a role may terminate its own backends, the table owner may not.
    const reader = new pg.Client({ connectionString: this.database.url('DATABASE_URL_CORE') });
    await reader.connect();
    try {
      await reader.query(
        'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
        [this.slot],
      );
    } finally {
      await reader.end();
    }
  }

  /** Graceful stop: flush, confirm, close. */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    running.stop();
    await running.done;
  }

  /** Waits (bounded) until the latest run's metric `name` has `value` for `table`. */
  async waitForMetric(name: string, table: string, value: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const metric = await this.metricsRegistry.getSingleMetric(name)?.get();
      const current = metric?.values.find((sample) => sample.labels.table === table)?.value;
      if (current === value) return;
      if (Date.now() > deadline) throw new Error(`${name}{table="${table}"} is ${current}, not ${value}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async confirmedFlushLsn(): Promise<bigint> {
    const { rows } = await this.owner.query<{ lsn: string }>(
      `SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::text AS lsn FROM pg_replication_slots WHERE slot_name = $1`,
      [this.slot],
    );
    return BigInt(rows[0]?.lsn ?? '0');
  }

  async currentWalLsn(): Promise<bigint> {
    const { rows } = await this.owner.query<{ lsn: string }>(
      `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn`,
    );
    return BigInt(rows[0]?.lsn ?? '0');
  }

  /**
   * Reads a topic from the beginning until `done` says enough (bounded by the timeout). A table's snapshot-end
   * events (one per partition after each snapshot) are left out unless asked for: they are not changes.
   */
  async read(
    topic: string,
    done: (events: DecodedEvent[]) => boolean,
    timeoutMs = 30_000,
    options: { snapshotEnds?: boolean } = {},
  ): Promise<DecodedEvent[]> {
    const visible = () => (options.snapshotEnds ? events : events.filter((event) => !isSnapshotEnd(event)));
    const consumer = this.kafka.consumer({ groupId: uniqueName('reader-test') });
    const events: DecodedEvent[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${topic}: only ${events.length} events in ${timeoutMs} ms`)),
          timeoutMs,
        );
        void consumer.run({
          eachMessage: async ({ topic: from, partition, message }) => {
            events.push({
              topic: from,
              partition,
              offset: message.offset,
              key: message.key ? await this.registry.decode(message.key) : null,
              value: message.value
                ? ((await this.registry.decode(message.value)) as Record<string, unknown>)
                : null,
              valueSchemaId: message.value ? (schemaIdOf(message.value) ?? null) : null,
            });
            if (done(visible())) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return visible();
  }

  /** Every event of the topic, up to its current end (snapshot ends only when asked for, as `read`). */
  async readAll(
    topic: string,
    timeoutMs = 60_000,
    options: { snapshotEnds?: boolean } = {},
  ): Promise<DecodedEvent[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const total = offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
    if (total === 0) return [];
    const events = await this.read(topic, (all) => all.length >= total, timeoutMs, { snapshotEnds: true });
    return options.snapshotEnds ? events : events.filter((event) => !isSnapshotEnd(event));
  }

  /** What a consumer that applies the topic in order ends up with: key (JSON) to the latest row. */
  static replay(events: DecodedEvent[]): Map<string, Record<string, unknown>> {
    const state = new Map<string, Record<string, unknown>>();
    const ordered = [...events].sort(
      (a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset),
    );
    for (const event of ordered) {
      const key = JSON.stringify(event.key, (_, value) =>
        typeof value === 'bigint' ? value.toString() : value,
      );
      const envelope = event.value as { op: string; after: Record<string, unknown> | null } | null;
      if (envelope === null || envelope.op === 'd') state.delete(key);
      else if (envelope.op === 't') {
        // A truncate reaches every partition; here it clears the keys of its own partition.
        for (const [other, row] of state)
          if ((row as { __partition?: number }).__partition === event.partition) state.delete(other);
      } else if (envelope.after) state.set(key, { ...envelope.after, __partition: event.partition });
    }
    for (const row of state.values()) delete (row as { __partition?: number }).__partition;
    return state;
  }

  async tearDown(): Promise<void> {
    await this.stop().catch(() => undefined);
    await this.owner?.query('SELECT pg_drop_replication_slot($1)', [this.slot]).catch(() => undefined);
    await this.owner?.end().catch(() => undefined);
    await this.database?.drop();
    const admin = this.kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${this.prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
}
