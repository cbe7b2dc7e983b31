/**
 * Asks the reader to re-read the rows the sink could not complete (`cdc.incomplete_rows`, apply/incomplete-rows.ts)
 * and keeps asking until they are repaired: the waiting keys live in the analytics database, so a request lost on
 * the way (a reader restart, a broker outage) is simply sent again. Each pass:
 * 1. forgets the keys raw now holds as new as needed (a repair landed, a newer change, a delete);
 * 2. sends the keys that are due, grouped per table (lib/kafka/repair-requests.ts), and stamps them: due again
 *    after 15 s, doubling up to 30 min (a key still waiting then is shown by `cdc status` and the metric);
 * 3. refreshes `cdc_sink_incomplete_rows{table}`.
 * Replicas of the sink share the table: `FOR UPDATE SKIP LOCKED` gives each key to one of them per pass.
 * A pass runs every `intervalMs` and right after a slice set versions aside (`poke`); it never throws.
 */
import type { Admin, Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import {
  encodeRepairRequest,
  ensureRepairTopic,
  maxKeysPerRequest,
  repairTopic,
} from '../../../lib/kafka/repair-requests.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import { withPooledClient } from '../../../lib/postgres/index.ts';
import { resolveAllIncomplete } from '../apply/incomplete-rows.ts';
import type { SinkMetrics } from '../metrics.ts';
import type { CapturedTopic } from '../schema/captured-topic.ts';

export interface RepairRequesterOptions {
  kafka: Kafka;
  pool: pg.Pool;
  prefix: string;
  groupId: string;
  topics: () => Iterable<CapturedTopic>;
  metrics: SinkMetrics;
  logger: Logger;
  /** Between passes (default 15 s). */
  intervalMs?: number;
}

/** Keys sent per pass, at most: a backlog drains over several passes. */
const keysPerPass = 5_000;

export class RepairRequester {
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: RepairRequesterOptions) {}

  async start(admin: Admin): Promise<void> {
    await ensureRepairTopic(admin, this.options.prefix);
    this.producer = this.options.kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
    await this.producer.connect();
    this.timer = setInterval(() => this.poke(), this.options.intervalMs ?? 15_000);
    this.poke();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** A pass now (or right after the one running). */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: unknown) =>
        this.options.logger.warn(
          { err: error },
          'repair requests: pass failed; trying again at the next one',
        ),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again && this.timer) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async pass(): Promise<void> {
    const topics = [...this.options.topics()];
    for (const captured of topics) await resolveAllIncomplete(this.options.pool, captured.shape);
    const tables = topics.map((captured) => captured.shape.table);
    await withPooledClient(this.options.pool, (client) => this.sendDue(client, tables));
    const { rows } = await this.options.pool.query<{ raw_table: string; n: number }>(
      `SELECT raw_table, count(*)::int AS n FROM cdc.incomplete_rows WHERE raw_table = ANY($1::text[])
        GROUP BY raw_table`,
      [tables],
    );
    const counts = new Map(rows.map((row) => [row.raw_table, row.n]));
    for (const captured of topics) {
      const waiting = counts.get(captured.shape.table) ?? 0;
      captured.incompletePending = waiting > 0;
      this.options.metrics.incompleteRows.set({ table: captured.connector.name }, waiting);
    }
  }

  private async sendDue(client: pg.ClientBase, tables: readonly string[]): Promise<void> {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{
        raw_table: string;
        row_key: unknown;
        connector: string;
        source_key: Record<string, string>;
      }>(
        `SELECT raw_table, row_key, connector, source_key FROM cdc.incomplete_rows
          WHERE raw_table = ANY($1::text[])
            AND (requested_at IS NULL
                 OR requested_at < now() - least(1800, 15 * 2 ^ least(requests, 7)) * interval '1 second')
          ORDER BY requested_at NULLS FIRST
          LIMIT ${keysPerPass}
          FOR UPDATE SKIP LOCKED`,
        [tables],
      );
      if (rows.length > 0) {
        const byConnector = new Map<string, Record<string, string>[]>();
        for (const row of rows)
          byConnector.set(row.connector, [...(byConnector.get(row.connector) ?? []), row.source_key]);
        const messages = [...byConnector].flatMap(([table, keys]) =>
          Array.from({ length: Math.ceil(keys.length / maxKeysPerRequest) }, (_, index) =>
            encodeRepairRequest({
              version: 1,
              table,
              keys: keys.slice(index * maxKeysPerRequest, (index + 1) * maxKeysPerRequest),
              requestedBy: this.options.groupId,
            }),
          ),
        );
        await (this.producer as Producer).send({
          topic: repairTopic(this.options.prefix),
          acks: -1,
          messages,
        });
        await client.query(
          `UPDATE cdc.incomplete_rows SET requested_at = now(), requests = requests + 1
            WHERE (raw_table, row_key) IN (SELECT * FROM unnest($1::text[], $2::jsonb[]))`,
          [rows.map((row) => row.raw_table), rows.map((row) => JSON.stringify(row.row_key))],
        );
        for (const [table, keys] of byConnector)
          this.options.metrics.repairRequests.inc({ table }, keys.length);
        this.options.logger.info(
          { keys: rows.length, tables: [...byConnector.keys()] },
          'asked the reader to re-read rows the sink could not complete (unchanged TOAST without a value to keep)',
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
