/**
 * The raw sink's consumer: Kafka batches → analytics_raw, with the cursor in the analytics database.
 *
 * - On partition assignment it seeks to the offset stored in `cdc.consumer_offsets` (or the partition's start
 *   when none is stored: nothing was applied), whatever Kafka's group offset says.
 * - Each batch is decoded, then applied with its cursor in one transaction (apply/apply-batch.ts). Only after the
 *   commit are offsets resolved and committed to Kafka too, for lag tools.
 * - A message that can never be decoded goes to `<topic>.dlq` with headers naming the cause and where it came
 *   from, and the partition moves on. Anything else (database or broker down) fails the batch, which kafkajs
 *   retries from the stored position: nothing is skipped.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import type { ConnectorCatalogue } from '../../connectors/index.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { classifyError, type PipelineError } from '../../lib/errors/index.ts';
import type { Logger } from '../../lib/logging/index.ts';
import type { SchemaRegistryClient } from '../../lib/registry/index.ts';
import { applyBatch } from './apply/apply-batch.ts';
import type { TableChange } from './apply/coalesce.ts';
import type { RawTableShape } from './apply/merge-sql.ts';
import { loadTableShape } from './apply/table-shape.ts';
import { ChangeDecoder } from './decode/change-decoder.ts';
import type { SinkMetrics } from './metrics.ts';

export interface RawSinkOptions {
  kafka: Kafka;
  groupId: string;
  pool: pg.Pool;
  registry: SchemaRegistryClient;
  connectors: ConnectorCatalogue;
  logger: Logger;
  metrics: SinkMetrics;
  /**
   * Called after each committed batch with the commit-to-raw latency of every change in it (milliseconds, now
   * minus source commit time): the end-to-end benchmark's exact figures, next to the metric's buckets.
   */
  onApplied?: (applied: { table: string; latenciesMs: readonly number[] }) => void;
}

interface CapturedTopic {
  connector: ConnectorDefinition;
  shape: RawTableShape;
  decoder: ChangeDecoder;
}

export const deadLetterTopic = (topic: string) => `${topic}.dlq`;

export class RawSink {
  private readonly topics = new Map<string, CapturedTopic>();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private deadLetters: Producer | undefined;

  constructor(private readonly options: RawSinkOptions) {}

  /** Loads the raw tables, joins the group and consumes until `stop`. */
  async start(): Promise<void> {
    const { kafka, pool, connectors, registry, groupId, logger } = this.options;
    const client = await pool.connect();
    try {
      for (const connector of connectors.connectors) {
        const shape = await loadTableShape(client, connector);
        this.topics.set(connectors.topicOf(connector), {
          connector,
          shape,
          decoder: new ChangeDecoder(registry, shape.conflictColumns),
        });
      }
    } finally {
      client.release();
    }
    this.admin = kafka.admin();
    await this.admin.connect();
    await this.ensureDeadLetterTopics();
    this.deadLetters = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.deadLetters.connect();
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      void this.seekToStoredOffsets(payload.memberAssignment).catch((error: unknown) =>
        logger.error(
          { err: error },
          'could not seek to the stored offsets; the batch guard still protects the cursor',
        ),
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) =>
        this.handleBatch(payload).catch((error: unknown) => {
          logger.error(
            { err: error, topic: payload.batch.topic, partition: payload.batch.partition },
            'batch failed; it is consumed again from the stored cursor',
          );
          throw error;
        }),
    });
    logger.info({ groupId, topics: [...this.topics.keys()] }, 'raw sink consuming');
  }

  /** One dead-letter topic per captured topic: a single partition, kept long enough for someone to look. */
  private async ensureDeadLetterTopics(): Promise<void> {
    const admin = this.admin as Admin;
    const existing = new Set(await admin.listTopics());
    const missing = [...this.topics.keys()].map(deadLetterTopic).filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: 1,
          configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }],
        })),
      })
      .catch(async (error: unknown) => {
        // Another replica may have created them meanwhile.
        const now = new Set(await admin.listTopics());
        if (missing.some((topic) => !now.has(topic))) throw error;
      });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.deadLetters?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }

  private async storedOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    const { rows } = await this.options.pool.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset::text FROM cdc.consumer_offsets
        WHERE consumer_group = $1 AND topic = $2 AND partition = ANY($3::integer[])`,
      [this.options.groupId, topic, partitions],
    );
    return new Map(rows.map((row) => [row.partition, BigInt(row.next_offset)]));
  }

  private async seekToStoredOffsets(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      const stored = await this.storedOffsets(topic, partitions);
      const bounds = await (this.admin as Admin).fetchTopicOffsets(topic);
      for (const partition of partitions) {
        const low = bounds.find((bound) => bound.partition === partition)?.low ?? '0';
        const offset = stored.get(partition) ?? BigInt(low);
        this.consumer?.seek({ topic, partition, offset: String(offset) });
      }
    }
  }

  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const captured = this.topics.get(batch.topic);
    if (!captured || batch.messages.length === 0 || !isRunning() || isStale()) return;
    const started = performance.now();
    const next = (await this.storedOffsets(batch.topic, [batch.partition])).get(batch.partition) ?? 0n;
    const changes: TableChange[] = [];
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      if (offset < next) continue; // applied already (a redelivery before the seek took effect)
      try {
        const decoded = await captured.decoder.decode({
          partition: batch.partition,
          offset,
          value: message.value,
        });
        if (decoded.kind === 'change') changes.push(decoded.change);
      } catch (error) {
        if (classifyError(error) !== 'dead-letter') throw error;
        await this.deadLetter(batch.topic, batch.partition, message, error as PipelineError);
      }
    }
    const last = batch.messages.at(-1) as (typeof batch.messages)[number];
    const nextOffset = BigInt(last.offset) + 1n;
    if (nextOffset > next) {
      const client = await this.options.pool.connect();
      try {
        await applyBatch(
          client,
          this.options.groupId,
          [{ shape: captured.shape, truncate: captured.connector.destination.truncate ?? 'apply', changes }],
          [{ topic: batch.topic, partition: batch.partition, nextOffset }],
        );
      } finally {
        client.release();
      }
    }
    resolveOffset(last.offset);
    await this.consumer?.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: String(nextOffset) },
    ]);
    await heartbeat();
    this.observe(captured, changes, batch.highWatermark, nextOffset, batch.topic, batch.partition, started);
  }

  private observe(
    captured: CapturedTopic,
    changes: readonly TableChange[],
    highWatermark: string,
    nextOffset: bigint,
    topic: string,
    partition: number,
    started: number,
  ): void {
    const { metrics } = this.options;
    const now = Date.now();
    const latenciesMs: number[] = [];
    for (const change of changes) {
      metrics.rows.inc({ table: captured.connector.name, op: change.op });
      const latencyMs = Math.max(0, now - Number(change.committedAtMicros / 1000n));
      metrics.commitToRawSeconds.observe(latencyMs / 1000);
      latenciesMs.push(latencyMs);
    }
    this.options.onApplied?.({ table: captured.connector.name, latenciesMs });
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
    metrics.lagMessages.set(
      { topic, partition: String(partition) },
      Math.max(0, Number(BigInt(highWatermark) - nextOffset)),
    );
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: EachBatchPayload['batch']['messages'][number],
    error: PipelineError,
  ): Promise<void> {
    await this.deadLetters?.send({
      topic: deadLetterTopic(topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            'cdc-error-code': error.code,
            'cdc-error-message': error.message,
            'cdc-original-topic': topic,
            'cdc-original-partition': String(partition),
            'cdc-original-offset': message.offset,
          },
        },
      ],
    });
    this.options.metrics.deadLetters.inc({ topic, code: error.code });
    this.options.logger.warn(
      { topic, partition, offset: message.offset, code: error.code, err: error },
      'poison message sent to the dead-letter topic',
    );
  }
}
