/**
 * The reader's end of repair requests (lib/kafka/repair-requests.ts): consumes `<prefix>.cdc-repairs` in a
 * consumer group of its slot and serves each request with a key read (key-reads.ts), one at a time. A request
 * is committed once served, refused (malformed, unknown table, wrong key columns: logged without its content) or
 * given up after its deadline (the sink asks again later, with backoff). A group new to the topic starts at its
 * end: older requests were asked again meanwhile if they still matter.
 */
import type { Consumer, Kafka } from 'kafkajs';
import { disclosableMessage } from '../../../lib/errors/disclosure.ts';
import { ensureRepairTopic, parseRepairRequest, repairTopic } from '../../../lib/kafka/repair-requests.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import type { ReaderMetrics } from '../metrics.ts';
import { type KeyReads, RefusedRepair } from './key-reads.ts';

export interface RepairConsumerOptions {
  kafka: Kafka;
  prefix: string;
  slot: string;
  reads: KeyReads;
  metrics: ReaderMetrics;
  logger: Logger;
  replicationFactor?: number;
  /** How long one request may take before it is given up (default 20 s, below the group's session timeout). */
  deadlineMs?: number;
}

export class RepairConsumer {
  private consumer: Consumer | undefined;
  private readonly stopping = new AbortController();
  private readonly stopped: Promise<never>;

  constructor(private readonly options: RepairConsumerOptions) {
    this.stopped = new Promise<never>((_, reject) => {
      this.stopping.signal.addEventListener('abort', () => reject(new Error('reader stopping')), {
        once: true,
      });
    });
    this.stopped.catch(() => undefined);
  }

  async start(): Promise<void> {
    const { kafka, prefix, slot } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureRepairTopic(admin, prefix);
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({
      groupId: `${prefix}.cdc-reader-repairs.${slot}`,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: repairTopic(prefix), fromBeginning: false });
    // Not awaited: joining the group must not hold the stream's start; kafkajs reports its own failures.
    void consumer
      .run({ eachMessage: ({ message }) => this.serve(message.value) })
      .catch((error: unknown) =>
        this.options.logger.warn(
          { err: error },
          'repair requests: the consumer could not start; sinks ask again',
        ),
      );
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async serve(value: Buffer | null): Promise<void> {
    const { logger, metrics } = this.options;
    const parsed = parseRepairRequest(value);
    if ('refused' in parsed) {
      metrics.repairRequests.inc({ table: 'unknown', outcome: 'refused' });
      logger.warn(
        { reason: parsed.refused },
        'repair request ignored: not a request this reader understands',
      );
      return;
    }
    const { request } = parsed;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('repair took too long')), this.options.deadlineMs ?? 20_000);
    });
    deadline.catch(() => undefined);
    try {
      const { emitted } = await this.options.reads.read(request, Promise.race([this.stopped, deadline]));
      metrics.repairRequests.inc({ table: request.table, outcome: 'read' });
      logger.info(
        { table: request.table, keys: request.keys.length, emitted, requestedBy: request.requestedBy },
        'repair: rows re-read from core',
      );
    } catch (error) {
      if (this.stopping.signal.aborted) throw error; // not committed: served by the next run
      const refused = error instanceof RefusedRepair;
      metrics.repairRequests.inc({ table: request.table, outcome: refused ? 'refused' : 'failed' });
      // PostgreSQL's message may quote a key value: only what the disclosure rules let out.
      logger.warn(
        { error: disclosableMessage(error), table: request.table, keys: request.keys.length },
        refused ? 'repair request refused' : 'repair request failed; the sink asks again later',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
