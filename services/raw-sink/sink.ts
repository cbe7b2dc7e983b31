/**
 * The raw sink's consumer: Kafka batches → analytics_raw, with the cursor in the analytics database.
 *
 * - On partition assignment it seeks to the offset stored in `cdc.consumer_offsets` (or the partition's start
 *   when none is stored: nothing was applied), whatever Kafka's group offset says.
 * - Each batch is decoded (connector transform and validation included), then applied with its cursor in one
 *   transaction (apply/apply-batch.ts). Only after the commit are offsets resolved and committed to Kafka too,
 *   for lag tools.
 * - A message that can never be applied as it is (undecodable, unknown schema, transform or validation error,
 *   a row the raw table rejects) goes to `<topic>.dlq` before the commit, and the partition moves on. Anything
 *   else (database or broker down) fails the batch, which kafkajs retries with backoff from the stored
 *   position: nothing is skipped.
 * - A new writer schema is reconciled with the raw table once (schema/evolution.ts): new columns are added;
 *   an incompatible change pauses the table (cdc.table_state) at the first message that needs it, and the
 *   table resumes by itself once the raw table has been migrated (checked every SINK_PAUSED_POLL_MS).
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import type { ConnectorCatalogue } from '../../connectors/index.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import type { Logger } from '../../lib/logging/index.ts';
import type { Notifier } from '../../lib/notify/index.ts';
import { withPooledClient } from '../../lib/postgres/index.ts';
import type { SchemaRegistryClient } from '../../lib/registry/index.ts';
import { applyBatch } from './apply/apply-batch.ts';
import { CursorSeeker } from './cursor/cursor-seeker.ts';
import { RewindFollower } from './cursor/rewind-follower.ts';
import { readCursorPosition } from './cursor/stored-cursor.ts';
import { DeadLetters, letterOf } from './dead-letters.ts';
import { decodeSlice } from './decode/slice.ts';
import { observeSlice, type SinkMetrics } from './metrics.ts';
import { RepairRequester } from './repair/repair-requester.ts';
import { retryTransient } from './retry-transient.ts';
import { CapturedTopic } from './schema/captured-topic.ts';
import { TablePauses } from './schema/table-pauses.ts';

export { deadLetterTopic } from './dead-letters.ts';

export interface RawSinkOptions {
  kafka: Kafka;
  groupId: string;
  pool: pg.Pool;
  registry: SchemaRegistryClient;
  connectors: ConnectorCatalogue;
  logger: Logger;
  metrics: SinkMetrics;
  /** How often paused tables are read from cdc.table_state and their cause checked again (default 10 s). */
  pausedPollMs?: number;
  /** Alerts to people: pauses and resumes of tables, dead letters (default: none). */
  notifier?: Notifier;
  /** How often cdc.cursor_rewinds is polled besides LISTEN (default 5 s). */
  rewindPollMs?: number;
  /** Messages applied per transaction (a fetched batch is split); default 2,000. */
  maxBatchMessages?: number;
  /**
   * Partitions applied at the same time (each with its own connection; default 3). Partitions hold disjoint
   * keys, so their merges never wait for each other, and one partition's commit overlaps another's decoding.
   */
  partitionsConcurrency?: number;
  /** Bytes fetched per partition and request (default 4 MB; kafkajs' 1 MB makes batches of ~1,300 changes). */
  fetchMaxBytesPerPartition?: number;
  /** The consumer group's session timeout: how soon a dead member's partitions move (default 30 s). */
  sessionTimeoutMs?: number;
  /** Between passes of the repair loop (repair/repair-requester.ts; default 15 s). */
  repairPollMs?: number;
  /**
   * Called after each committed batch with the commit-to-raw latency of every change in it (milliseconds, now
   * minus source commit time): the end-to-end benchmark's exact figures, next to the metric's buckets.
   */
  onApplied?: (applied: { table: string; latenciesMs: readonly number[] }) => void;
}

type Message = KafkaMessage;

export class RawSink {
  private readonly topics = new Map<string, CapturedTopic>();
  private readonly assignment = new Map<string, number[]>();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private deadLetters: DeadLetters | undefined;
  private repairs: RepairRequester | undefined;
  private pausedPoll: NodeJS.Timeout | undefined;
  private readonly pauses: TablePauses;
  /** Per `topic/partition`, the end of what this process applied: below it, a message is a replay. */
  private readonly appliedUpTo = new Map<string, bigint>();
  private rewinds: RewindFollower | undefined;
  private readonly seeker: CursorSeeker;
  /** Set when kafkajs gave up on the consumer without restarting it: the process must be replaced. */
  private crashed: Error | undefined;

  constructor(private readonly options: RawSinkOptions) {
    this.seeker = new CursorSeeker({
      pool: options.pool,
      groupId: options.groupId,
      logger: options.logger,
      consumer: () => this.consumer,
      admin: () => this.admin,
      assignment: this.assignment,
    });
    this.pauses = new TablePauses({
      pool: options.pool,
      logger: options.logger,
      metrics: options.metrics,
      notifier: options.notifier,
      consumer: () => this.consumer,
      seeker: this.seeker,
      topics: this.topics,
      assignment: this.assignment,
    });
  }

  /** Loads the raw tables, joins the group and consumes until `stop`. */
  async start(): Promise<void> {
    const { kafka, connectors, registry, groupId, logger } = this.options;
    for (const connector of connectors.connectors) {
      const topic = connectors.topicOf(connector);
      const captured = await CapturedTopic.load(topic, connector, {
        pool: this.options.pool,
        registry,
        metrics: this.options.metrics,
        logger,
      });
      this.topics.set(topic, captured);
    }
    this.admin = kafka.admin();
    await this.admin.connect();
    this.deadLetters = new DeadLetters(kafka, this.options.metrics, logger, this.options.notifier);
    await this.deadLetters.open(this.admin, [...this.topics.keys()]);
    this.repairs = new RepairRequester({
      kafka,
      pool: this.options.pool,
      prefix: connectors.topicPrefix,
      groupId,
      topics: () => this.topics.values(),
      metrics: this.options.metrics,
      logger,
      intervalMs: this.options.repairPollMs,
    });
    await this.repairs.start(this.admin);
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
      maxBytesPerPartition: this.options.fetchMaxBytesPerPartition ?? 4 * 1024 * 1024,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assignment.clear();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        this.assignment.set(topic, partitions);
      }
      void this.seeker
        .seekToStored(payload.memberAssignment)
        .catch((error: unknown) =>
          logger.error(
            { err: error },
            'could not seek to the stored offsets; the batch guard still protects the cursor',
          ),
        );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return; // kafkajs rejoins by itself, from the stored cursor (GROUP_JOIN seek)
      this.crashed = payload.error;
      logger.error({ err: payload.error }, 'the consumer stopped for good; liveness fails so it is replaced');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics.keys()], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConcurrency ?? 3,
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => {
        const handled = this.handleBatch(payload).catch((error: unknown) => {
          logger.error(
            { err: error, topic: payload.batch.topic, partition: payload.batch.partition },
            'batch failed; it is consumed again from the stored cursor',
          );
          throw error;
        });
        this.seeker.track(payload.batch.topic, payload.batch.partition, handled);
        return handled;
      },
    });
    await this.pauses.sync();
    this.pausedPoll = setInterval(() => void this.pauses.sync(), this.options.pausedPollMs ?? 10_000);
    this.rewinds = new RewindFollower({
      pool: this.options.pool,
      group: groupId,
      pollMs: this.options.rewindPollMs ?? 5_000,
      logger,
      onRewind: (notice) => this.seeker.followRewind(notice),
      onTableState: (topic) => {
        if (this.topics.has(topic)) void this.pauses.sync();
      },
    });
    await this.rewinds.start();
    logger.info({ groupId, topics: [...this.topics.keys()] }, 'raw sink consuming');
  }

  /** For /healthz: false once the consumer has stopped for good. */
  health(): { ok: boolean; detail: string } {
    return this.crashed
      ? { ok: false, detail: `consumer stopped: ${this.crashed.message}` }
      : { ok: true, detail: 'consuming' };
  }

  async stop(): Promise<void> {
    clearInterval(this.pausedPoll);
    await this.rewinds?.stop();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.repairs?.stop();
    await this.deadLetters?.close();
    await this.admin?.disconnect().catch(() => undefined);
  }

  /**
   * A fetched batch is applied in slices of at most `maxBatchMessages`, each its own transaction with its
   * cursor, with a heartbeat between them: a slow database (or a large fetch) must not outlast the session
   * timeout, or the group would give the partition away while its batch is still being written.
   */
  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const captured = this.topics.get(batch.topic);
    const size = this.options.maxBatchMessages ?? 2_000;
    let committable: string | undefined;
    // Where this batch's fetch started: it holds every message from there on (kafkajs drops earlier ones).
    let origin = BigInt(
      (batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? batch.firstOffset() ?? 0,
    );
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!captured || captured.paused || !isRunning() || isStale()) break;
      const slice = batch.messages.slice(start, start + size);
      const from = origin;
      const outcome = await retryTransient(() => this.applySlice(captured, batch, slice, from), {
        control: { heartbeat, isRunning, isStale },
        logger: this.options.logger,
        where: { topic: batch.topic, partition: batch.partition },
      }).catch((error: unknown) => {
        // A rewind moved the cursor under this slice (rolled back): follow the cursor, not this batch.
        if (error instanceof PipelineError && error.code === 'CURSOR_MOVED') return undefined;
        throw error;
      });
      if (!outcome) {
        await this.seeker.seekToStored({ [batch.topic]: [batch.partition] });
        break;
      }
      if (outcome.settled) {
        resolveOffset(outcome.settled.offset);
        committable = outcome.settled.offset;
        origin = BigInt(outcome.settled.offset) + 1n;
      } else if (outcome.alreadyApplied) {
        // The whole slice lies below the stored cursor (a seek back raced with the first batch, or a
        // redelivery): resolve it so the fetcher moves on, and jump to the cursor instead of walking up to it.
        resolveOffset(outcome.alreadyApplied.offset);
        this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: String(outcome.next) });
        break;
      }
      await heartbeat();
    }
    if (committable !== undefined) {
      // The database holds the truth; Kafka's copy is for lag tools. Awaited all the same: a commit left in
      // flight while kafkajs long-polls the next fetch stalls delivery by up to a second (measured, bench e2e).
      await this.consumer
        ?.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: String(BigInt(committable) + 1n) },
        ])
        .catch((error: unknown) =>
          this.options.logger.warn({ err: error, topic: batch.topic }, 'could not commit offsets to Kafka'),
        );
    }
  }

  /**
   * Decodes and applies one slice. `settled`: the last message it settled (applied, skipped or
   * dead-lettered); `alreadyApplied`: the last message below the stored cursor `next`.
   */
  private async applySlice(
    captured: CapturedTopic,
    batch: EachBatchPayload['batch'],
    messages: readonly Message[],
    origin: bigint,
  ): Promise<{ settled: Message | undefined; alreadyApplied: Message | undefined; next: bigint }> {
    const started = performance.now();
    const position = await readCursorPosition(
      this.options.pool,
      this.options.groupId,
      batch.topic,
      batch.partition,
    );
    const stored = position?.next;
    // Fetched from beyond the cursor: the messages in between are not in this batch. Only a rewind does
    // that (a batch fetched before it, applied after it); applying would skip them. Follow the cursor instead.
    if (stored !== undefined && (await this.seeker.fetchedBeyond(batch, stored, origin))) {
      throw new PipelineError('CURSOR_MOVED', 'the cursor is behind the fetched batch (cdc rewind)', {
        details: { topic: batch.topic, partition: batch.partition },
      });
    }
    const next = stored ?? 0n;
    const typeChanges = captured.typeChanges;
    const slice = await decodeSlice(captured, batch, messages, position);
    const { changes, letters, unlanded, byOffset, skipped, pause, settled, alreadyApplied, unbrokenSince } =
      slice;
    if (captured.typeChanges !== typeChanges) {
      // A new writer schema made the sink read the raw table again and a column has another type (migrated
      // meanwhile): the changes decoded before were written for the old types (a timestamp for a timestamp
      // column, now timestamptz). The slice is decoded again, for the new types; the verdicts are cached.
      throw new PipelineError('SCHEMA_INCOMPATIBLE', 'the raw table changed while the slice was decoded', {
        retriable: true,
        details: { table: captured.shape.table },
      });
    }
    if (settled) {
      const nextOffset = BigInt(settled.offset) + 1n;
      const applied = await withPooledClient(this.options.pool, (client) =>
        applyBatch(
          client,
          this.options.groupId,
          [
            {
              shape: captured.shape,
              truncate: captured.connector.destination.truncate ?? 'apply',
              changes,
              unlanded,
              topic: batch.topic,
              connector: captured.connector.name,
              incompletePending: captured.incompletePending,
            },
          ],
          [
            {
              topic: batch.topic,
              partition: batch.partition,
              nextOffset,
              expected: stored ?? null,
              unbrokenSince,
            },
          ],
          {
            beforeCommit: (rejected) =>
              (this.deadLetters as DeadLetters).send([
                ...letters,
                ...rejected.map(({ row, error }) =>
                  letterOf(batch.topic, batch.partition, byOffset.get(row.offset) as Message, error),
                ),
              ]),
          },
        ),
      );
      if (applied.incomplete > 0) {
        captured.incompletePending = true;
        this.options.metrics.rowsSetAside.inc({ table: captured.connector.name }, applied.incomplete);
        this.repairs?.poke();
      }
      for (const end of applied.unappliedEnds) {
        this.options.logger.warn(
          { table: end.table, partition: end.partition, untiedDeadLetters: end.untied },
          'snapshot end not applied: this partition has dead letters that could not be tied to a row, so rows ' +
            'the snapshot did not hold cannot be told apart from rows it could not land. Deletes made while ' +
            'nobody streamed may stay live in raw until the next snapshot: deal with the dead letters ' +
            '(cdc dlq list / replay), then run cdc snapshot for the table',
        );
      }
      if (applied.reconciled > 0) {
        this.options.logger.warn(
          { table: captured.shape.table, partition: batch.partition, rows: applied.reconciled },
          'snapshot end: rows this snapshot no longer holds were deleted at the source while nobody streamed ' +
            'them; marked deleted in raw',
        );
      }
      const key = `${batch.topic}/${batch.partition}`;
      const replayedBelow = this.appliedUpTo.get(key) ?? 0n;
      if (nextOffset > replayedBelow) this.appliedUpTo.set(key, nextOffset);
      const latenciesMs = observeSlice(this.options.metrics, {
        replayedBelow,
        table: captured.connector.name,
        changes,
        skipped,
        batch,
        last: settled,
        nextOffset,
        started,
      });
      this.options.onApplied?.({ table: captured.connector.name, latenciesMs });
    }
    if (pause) await this.pauses.pause(captured, pause.schemaId, pause.reason);
    return { settled, alreadyApplied, next };
  }
}
