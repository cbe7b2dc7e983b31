/**
 * Paused tables, kept in step across the sink's replicas through cdc.table_state: a table this replica pauses
 * (a writer schema its raw table cannot take), one another replica or an operator paused, and the resume once
 * the cause is gone (the raw table migrated; checked again at every poll, or at a NOTIFY).
 */
import type { Consumer } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../../../lib/logging/index.ts';
import type { Notifier } from '../../../lib/notify/index.ts';
import type { CursorSeeker } from '../cursor/cursor-seeker.ts';
import type { SinkMetrics } from '../metrics.ts';
import type { CapturedTopic } from './captured-topic.ts';
import { markActive, markPaused, type PausedTable, pausedTables } from './table-state.ts';

export interface TablePausesOptions {
  pool: pg.Pool;
  logger: Logger;
  metrics: SinkMetrics;
  notifier?: Notifier;
  consumer: () => Consumer | undefined;
  seeker: CursorSeeker;
  /** The sink's captured topics, by topic. */
  topics: ReadonlyMap<string, CapturedTopic>;
  /** This member's partitions, by topic. */
  assignment: ReadonlyMap<string, number[]>;
}

export class TablePauses {
  private polling = false;
  private pollAgain = false;

  constructor(private readonly options: TablePausesOptions) {}

  async pause(captured: CapturedTopic, schemaId: number, reason: string): Promise<void> {
    const paused: PausedTable = { topic: captured.topic, rawTable: captured.shape.table, reason, schemaId };
    captured.paused = paused;
    this.options.consumer()?.pause([{ topic: captured.topic }]);
    this.options.metrics.tablePaused.set({ table: captured.connector.name }, 1);
    this.options.logger.error(
      { table: captured.shape.table, topic: captured.topic, schemaId, reason },
      'incompatible schema change: the table is paused (other tables go on); fix the raw table and it resumes by itself',
    );
    await markPaused(this.options.pool, paused);
    // Only the replica that pauses tells people; the others follow cdc.table_state quietly.
    this.options.notifier?.notify({
      kind: 'pause',
      service: 'raw-sink',
      key: `table:${captured.connector.name}`,
      title: `${captured.shape.table} paused: incompatible schema change`,
      detail: `${reason}. Other tables go on; it resumes by itself once the raw table is migrated.`,
      fields: { table: captured.shape.table, topic: captured.topic, schemaId },
    });
  }

  /**
   * Follows cdc.table_state: pauses what another replica or an operator paused, checks the cause of a pause
   * again (has the raw table been migrated?) and resumes what is no longer paused. Never throws: a failed poll
   * is logged and the next one tries again.
   */
  async sync(): Promise<void> {
    const consumer = this.options.consumer();
    if (!consumer) return;
    if (this.polling) {
      this.pollAgain = true; // a notification during a poll: poll once more right after
      return;
    }
    this.polling = true;
    try {
      const rows = new Map(
        (await pausedTables(this.options.pool, [...this.options.topics.keys()])).map((row) => [
          row.topic,
          row,
        ]),
      );
      for (const captured of this.options.topics.values()) {
        const row = rows.get(captured.topic);
        if (row && !captured.paused) {
          captured.paused = row;
          consumer.pause([{ topic: captured.topic }]);
          this.options.metrics.tablePaused.set({ table: captured.connector.name }, 1);
          this.options.logger.warn(
            { table: row.rawTable, reason: row.reason },
            'table paused (cdc.table_state)',
          );
        } else if (row && row.schemaId !== undefined) {
          captured.forget(row.schemaId);
          if ((await captured.reconcile(row.schemaId)) === undefined) {
            await markActive(this.options.pool, captured.topic, captured.shape.table);
            this.options.notifier?.notify({
              kind: 'resume',
              service: 'raw-sink',
              key: `table:${captured.connector.name}`,
              title: `${captured.shape.table} resumed: the raw table now takes the new schema`,
              fields: { table: captured.shape.table, topic: captured.topic },
            });
            await this.resume(captured);
          }
        } else if (!row && captured.paused) {
          await this.resume(captured);
        }
      }
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not check paused tables; trying again at the next poll',
      );
    } finally {
      this.polling = false;
      if (this.pollAgain) {
        this.pollAgain = false;
        void this.sync();
      }
    }
  }

  /** Back to the stored cursor first (the fetcher's position may be past it), then fetching again. */
  private async resume(captured: CapturedTopic): Promise<void> {
    const partitions = this.options.assignment.get(captured.topic) ?? [];
    if (partitions.length > 0) await this.options.seeker.seekToStored({ [captured.topic]: partitions });
    captured.paused = undefined;
    this.options.consumer()?.resume([{ topic: captured.topic }]);
    this.options.metrics.tablePaused.set({ table: captured.connector.name }, 0);
    this.options.logger.info({ table: captured.shape.table }, 'table resumed');
  }
}
