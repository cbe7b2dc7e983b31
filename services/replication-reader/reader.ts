/**
 * One streaming run of the reader, from the durable position until it is told to stop or something fails.
 * The caller (service.ts) holds the lease, restarts runs with backoff, and reports health.
 *
 * A run: check the publication matches the connectors, open the state store (fencing any earlier writer of the
 * slot's state: snapshot/README.md), ensure the slot and its snapshot, read the slot's confirmed position,
 * create the topics, start the session from exactly that position, stream, and on stop: flush Kafka, confirm
 * the last fully-acknowledged transaction, and close the session with a final status update.
 */
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import type { ConnectorCatalogue } from '../../connectors/index.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import { TopicManager, type TopicSettings } from '../../lib/kafka/topics.ts';
import type { Logger } from '../../lib/logging/index.ts';
import { formatLsn } from '../../lib/postgres/index.ts';
import type { SchemaRegistryClient } from '../../lib/registry/index.ts';
import { planPublicationSync, syncPublication } from '../../lib/source/publication.ts';
import { ensureStateTopic, stateTopic } from '../../lib/source/reader-state.ts';
import { ReaderStateStore } from '../../lib/source/reader-state-store.ts';
import { readSlotStatus } from '../../lib/source/slot.ts';
import { InFlightTransactions } from './acknowledgement/index.ts';
import type { ReaderMetrics } from './metrics.ts';
import type { PauseCause } from './pipeline/captured-table.ts';
import { CapturedTables } from './pipeline/captured-tables.ts';
import {
  fitsLimit,
  largestMessageOf,
  type OversizedTables,
  oversizedError,
  topicMessageLimit,
} from './pipeline/oversized-tables.ts';
import { confirmProgress, type StreamContext, streamChanges } from './pipeline/stream.ts';
import { tableEventKeys } from './pipeline/table-event-keys.ts';
import type { UnmappableTables } from './pipeline/unmappable-tables.ts';
import { type BatchingOptions, BatchingProducer } from './producer/batching-producer.ts';
import type { ConnectedSender } from './producer/create-sender.ts';
import { KafkaSender } from './producer/kafka-sender.ts';
import { ReplicationSession } from './replication/index.ts';
import { ColumnCoverage } from './snapshot/column-coverage.ts';
import { copyTables } from './snapshot/copy-tables.ts';
import { IncrementalSnapshots } from './snapshot/incremental.ts';
import { KeyReads } from './snapshot/key-reads.ts';
import { RepairConsumer } from './snapshot/repair-consumer.ts';
import { prepareSlot } from './snapshot/slot-preparation.ts';

export interface ReaderRunOptions {
  coreUrl: string;
  slot: string;
  publication: string;
  connectors: ConnectorCatalogue;
  kafka: Kafka;
  topics: TopicSettings;
  registry: SchemaRegistryClient;
  pseudonymisationKey: string | undefined;
  batching: BatchingOptions;
  statusIntervalMs: number;
  /** How often a paused table's schema is offered to the registry again (default 30 s). */
  pausedRetryMs?: number;
  /**
   * Tables paused for a message over their topic's limit, kept across runs by the caller (a replay would meet
   * the message again). Without it such a message fails the run, as any send that failed for good.
   */
  oversized?: OversizedTables;
  /**
   * Tables paused for a value the mapping cannot map, kept across runs by the caller (a replay would meet the
   * value again). Without it such a table is paused for the run only.
   */
  unmappable?: UnmappableTables;
  /** Rows per chunk of an incremental snapshot (default 2,048). */
  snapshotChunkRows?: number;
  logger: Logger;
  metrics: ReaderMetrics;
  /** Called once the session streams (readiness). */
  onStreaming?: (startLsn: bigint) => void;
  /** Told on every description of a table whether it is paused, and why (alerts.ts keeps the news). */
  onTablePaused?: (table: string, paused: boolean, cause?: PauseCause) => void;
  /** The producing client (producer/create-sender.ts); default: the kafkajs adapter on `kafka`. */
  createSender?: () => ConnectedSender;
  /**
   * Rejects when this process no longer holds the slot's lease (ReaderService). Called right before the run
   * takes the state store over: opening it fences every other writer, including a reader that took over.
   */
  confirmLease?: () => Promise<void>;
  /** Test seam of the state store (lib/source/reader-state-store.ts): throwing from it fails that write. */
  beforeStateWrite?: (key: string) => void | Promise<void>;
}

async function checkPublication(catalog: pg.Client, options: ReaderRunOptions): Promise<void> {
  const { plan } = await planPublicationSync(catalog, {
    publication: options.publication,
    connectors: options.connectors.connectors,
  });
  if (plan.action === 'none') return;
  // The reader role usually does not own the tables, so this fails with the SQL a table owner must run.
  await syncPublication(catalog, {
    publication: options.publication,
    connectors: options.connectors.connectors,
  });
  options.logger.info(
    { publication: options.publication, differences: plan.differences },
    'publication updated',
  );
}

/** How a run ended: asked to stop, or a paused table can stream again and needs a replay from the slot. */
export type RunOutcome = 'stopped' | 'replay';

/**
 * Offers the schemas of paused tables to the registry every `intervalMs`; resolves once one is accepted.
 * Registry errors other than a rejection are logged and retried at the next tick.
 */
function watchPausedTables(
  retry: () => Promise<boolean>,
  intervalMs: number,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      retry()
        .then((accepted) => {
          if (accepted) resolve();
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not check paused tables; retrying'))
        .finally(() => {
          checking = false;
        });
    }, intervalMs);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  });
}

/**
 * A send refused for good because of one message over its topic's limit: pauses that table for the next runs
 * (oversized-tables.ts) and says so; false when the failure is something else (it is thrown as before).
 */
async function pauseOversized(error: unknown, admin: Admin, options: ReaderRunOptions): Promise<boolean> {
  const largest = largestMessageOf(error);
  if (!largest || !options.oversized) return false;
  const connector = options.connectors.connectors.find(
    (candidate) => options.connectors.topicOf(candidate) === largest.topic,
  );
  if (!connector) return false;
  const limit = await topicMessageLimit(admin, largest.topic);
  if (fitsLimit(largest.bytes, limit)) return false;
  const message = { topic: largest.topic, table: connector.name, bytes: largest.bytes, limit };
  options.oversized.pause(message);
  options.logger.error({ err: oversizedError(message), ...message }, 'message too large: table paused');
  return true;
}

export async function runReader(
  options: ReaderRunOptions,
  stopRequested: Promise<void>,
): Promise<RunOutcome> {
  const { logger, metrics } = options;
  const catalog = new pg.Client({
    connectionString: options.coreUrl,
    application_name: 'cdc-reader-catalog',
  });
  await catalog.connect();
  catalog.on('error', (error) => logger.warn({ err: error }, 'catalog connection lost'));
  const sender = options.createSender?.() ?? new KafkaSender(options.kafka);
  const admin = options.kafka.admin();
  let session: ReplicationSession | undefined;
  let repairs: RepairConsumer | undefined;
  let store: ReaderStateStore | undefined;
  try {
    await checkPublication(catalog, options);
    await admin.connect();
    const topic = stateTopic(options.connectors.topicPrefix);
    await ensureStateTopic(admin, topic, options.topics.replicationFactor);
    await options.confirmLease?.();
    store = await ReaderStateStore.open({
      kafka: options.kafka,
      topic,
      slot: options.slot,
      beforeWrite: options.beforeStateWrite,
    });
    const preparation = await prepareSlot({
      catalog,
      coreUrl: options.coreUrl,
      slot: options.slot,
      kafka: options.kafka,
      admin,
      topic,
      store,
      tables: options.connectors.connectors.map((connector) => connector.name),
      logger,
    });

    // Which columns raw holds for every row, per table: a default filled without the WAL is copied again.
    const coverage: ColumnCoverage = new ColumnCoverage({
      store,
      catalog,
      requestSnapshot: (table: string, id: string): Promise<void> => snapshots.request(table, id),
      logger,
    });

    const topicManager = new TopicManager(admin, options.topics);
    const topics = options.connectors.connectors.map((connector) => options.connectors.topicOf(connector));
    await topicManager.ensure(topics);
    const metadata = await admin.fetchTopicMetadata({ topics });
    const partitionCounts = new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
    const tableKeys = await tableEventKeys(options.registry);
    const partitions = (topic: string) => partitionCounts.get(topic) ?? 1;
    const prepareContext = {
      catalog,
      registry: options.registry,
      pseudonymisationKey: options.pseudonymisationKey,
      knownColumns: new Map(),
      onPaused: (table: string, paused: boolean, cause?: PauseCause) => {
        metrics.tablePaused.set({ table }, paused ? 1 : 0);
        options.onTablePaused?.(table, paused, cause);
      },
    };

    await sender.connect();
    const producer = new BatchingProducer(sender, {
      ...options.batching,
      onRetry: (error, attempt, delayMs) =>
        logger.warn(
          { err: error, attempt, delayMs },
          'Kafka send failed; retrying (nothing is confirmed meanwhile)',
        ),
      onBatchSent: ({ seconds }) => metrics.produceSeconds.observe(seconds),
    });

    if (preparation.snapshot) {
      const snapshot = preparation.snapshot;
      try {
        const copied = await copyTables({
          url: options.coreUrl,
          snapshotName: snapshot.snapshotName,
          consistentPoint: snapshot.consistentPoint,
          connectors: options.connectors,
          prepare: prepareContext,
          producer,
          metrics,
          logger,
          db: catalog.database ?? 'core',
          tableKeys,
          partitions,
        });
        // Before the slot is marked done: a crash in between copies again (column-coverage.ts).
        for (const { copied: table, relation } of copied) await coverage.cover(table.table, relation);
      } finally {
        await snapshot.close();
      }
      await preparation.markSnapshotDone();
    }

    const status = await readSlotStatus(catalog, options.slot);
    const startLsn = status?.confirmedFlushLsn ?? null;
    if (!status || status.walStatus === 'lost' || startLsn === null) {
      throw new PipelineError(
        'CONFIG_INVALID',
        `slot ${options.slot} is missing or was invalidated (wal_status lost): drop it so the reader re-creates and re-snapshots it (cdc preflight shows how)`,
      );
    }
    session = new ReplicationSession({
      connection: options.coreUrl,
      statusIntervalMs: options.statusIntervalMs,
      logger,
    });
    await session.start({ slot: options.slot, publications: [options.publication], startLsn });
    logger.info({ slot: options.slot, startLsn: formatLsn(startLsn) }, 'streaming from the durable position');
    metrics.streaming.set(1);
    metrics.durableLsn.set(Number(startLsn));
    options.onStreaming?.(startLsn);

    const tables = new CapturedTables(
      options.connectors,
      prepareContext,
      options.oversized,
      options.unmappable,
    );
    const snapshots = new IncrementalSnapshots({
      url: options.coreUrl,
      slot: options.slot,
      kafka: options.kafka,
      admin,
      stateTopic: topic,
      store,
      coverage,
      connectors: options.connectors,
      tables,
      metrics,
      logger,
      chunkRows: options.snapshotChunkRows,
    });
    const context: StreamContext = {
      session,
      inFlight: new InFlightTransactions(startLsn),
      producer,
      tables,
      metrics,
      logger,
      prefix: options.connectors.topicPrefix,
      db: catalog.database ?? 'core',
      tableKeys,
      partitions,
      pendingCommits: [],
      snapshots,
      coverage,
    };
    await snapshots.start();
    // Rows the sinks could not complete, re-read by key on their request (snapshot/key-reads.ts).
    repairs = new RepairConsumer({
      kafka: options.kafka,
      prefix: options.connectors.topicPrefix,
      slot: options.slot,
      reads: new KeyReads({
        url: options.coreUrl,
        connectors: options.connectors,
        tables,
        windows: snapshots.windows,
        metrics,
        logger,
      }),
      metrics,
      logger,
    });
    await repairs.start();
    // Tables added to an existing slot: their existing rows are copied while streaming, once. An adopted slot's
    // history is unknown: earlier snapshots of its tables prove nothing, every table is copied again.
    const { adoption } = preparation;
    for (const table of preparation.neverSnapshotted) {
      const state = snapshots.stateOf(table);
      if (!adoption && (state?.status === 'done' || state?.status === 'running')) continue;
      metrics.snapshotProgress.set({ table }, 0);
      await snapshots.request(table, adoption?.requestId ?? `added-to-${options.slot}`);
    }
    await adoption?.markAdopted();
    const watching = new AbortController();
    let outcome = 'stopped' as RunOutcome;
    const retryPaused = async () => {
      if (tables.pausedCount > 0 && (await tables.retryPaused())) return true;
      if (!options.oversized?.size) return false;
      const lifted = await options.oversized.retry((topic) => topicMessageLimit(admin, topic));
      for (const message of lifted) {
        logger.info(
          message,
          'the topic takes the large message now: replaying from the slot to resume the table',
        );
      }
      return lifted.length > 0;
    };
    const resumable = watchPausedTables(
      retryPaused,
      options.pausedRetryMs ?? 30_000,
      logger,
      watching.signal,
    ).then(() => {
      outcome = 'replay';
    });
    let storeFailure: Error | undefined;
    const storeFailed = store.failed.then((error) => {
      storeFailure = error;
    });
    try {
      // A send that failed for good ends the stream now; the flush below then reports the failure. A state
      // store that can no longer write (fenced: another reader took over) ends it too.
      await streamChanges(context, Promise.race([stopRequested, resumable, producer.failed, storeFailed]));
    } finally {
      watching.abort();
      await repairs.stop();
      await snapshots.stop();
    }
    if (storeFailure) throw storeFailure;
    // Graceful end: everything read so far reaches Kafka, then the final position is confirmed.
    try {
      await producer.flush();
    } catch (error) {
      // One message over its topic's limit: nothing past it is confirmed; the replay streams the other tables.
      if (await pauseOversized(error, admin, options)) return 'replay';
      throw error;
    }
    confirmProgress(context);
    await session.stop();
    logger.info(
      {
        confirmed:
          context.session.confirmedLsn === undefined ? null : formatLsn(context.session.confirmedLsn),
        outcome,
      },
      outcome === 'replay'
        ? 'a paused table is accepted now: replaying from the confirmed position to stream it'
        : 'stopped after confirming everything Kafka acknowledged',
    );
    return outcome;
  } finally {
    metrics.streaming.set(0);
    await repairs?.stop();
    session?.abort();
    await store?.close();
    await sender.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await catalog.end().catch(() => undefined);
  }
}
