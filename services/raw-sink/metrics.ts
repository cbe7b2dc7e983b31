/**
 * The raw sink's metrics: rows per table and operation, batch duration, commit-to-raw latency, lag in messages
 * and seconds, DLQ, paused tables, schema evolution.
 */
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TableChange } from './apply/coalesce.ts';

export function createSinkMetrics(registry: Registry) {
  const registers = [registry];
  return {
    rows: new Counter({
      name: 'cdc_sink_rows_total',
      help: 'Changes applied to analytics_raw, per table and operation.',
      labelNames: ['table', 'op'] as const,
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'cdc_sink_batch_seconds',
      help: 'Time to decode and apply one consumed batch, commit included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    commitToRawSeconds: new Histogram({
      name: 'cdc_sink_commit_to_raw_seconds',
      help: 'From the source commit to the raw row being committed (now minus source commit time).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    lagMessages: new Gauge({
      name: 'cdc_sink_lag_messages',
      help: 'Messages between the partition end and the next offset to apply.',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'cdc_sink_lag_seconds',
      help: 'While a partition is behind: age of the last applied message (Kafka timestamp); 0 when caught up.',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    skipped: new Counter({
      name: 'cdc_sink_skipped_total',
      help:
        "Changes not landed, per table: the connector's transform skipped them (returned null), or tombstones " +
        'without a source position (written by readers older than tombstone positions).',
      labelNames: ['table'] as const,
      registers,
    }),
    tablePaused: new Gauge({
      name: 'cdc_sink_table_paused',
      help: '1 while a table is paused (incompatible schema change or operator), see cdc.table_state.',
      labelNames: ['table'] as const,
      registers,
    }),
    columnsAdded: new Counter({
      name: 'cdc_sink_columns_added_total',
      help: 'Columns added to raw tables at run time (a column added at the source).',
      labelNames: ['table'] as const,
      registers,
    }),
    incompleteRows: new Gauge({
      name: 'cdc_sink_incomplete_rows',
      help:
        'Row versions waiting for a repair from core (unchanged TOAST the sink could not fill), per table; ' +
        'refreshed by the repair loop.',
      labelNames: ['table'] as const,
      registers,
    }),
    rowsSetAside: new Counter({
      name: 'cdc_sink_incomplete_versions_total',
      help: 'Row versions set aside for a repair instead of being written (unchanged TOAST without a value to keep).',
      labelNames: ['table'] as const,
      registers,
    }),
    repairRequests: new Counter({
      name: 'cdc_sink_repair_requests_total',
      help: 'Keys the sink asked the reader to re-read from core, per table (asked again with backoff until repaired).',
      labelNames: ['table'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'cdc_sink_dead_letters_total',
      help: 'Poison messages sent to the dead-letter topic, per source topic and error code.',
      labelNames: ['topic', 'code'] as const,
      registers,
    }),
  };
}

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;

/**
 * After a committed slice: rows and latencies per change, skipped changes, slice duration, lag in messages
 * and seconds. Returns each change's commit-to-raw latency in milliseconds (for the `onApplied` hook).
 */
export function observeSlice(
  metrics: SinkMetrics,
  slice: {
    table: string;
    changes: readonly TableChange[];
    skipped: number;
    batch: EachBatchPayload['batch'];
    last: KafkaMessage;
    nextOffset: bigint;
    started: number;
    /**
     * Offsets below this were applied by this process before (a rewind or a DLQ replay brought them back):
     * counted as rows, but their age is not commit-to-raw latency and would swamp the histogram.
     */
    replayedBelow: bigint;
  },
): number[] {
  const { table, changes, skipped, batch, last, nextOffset, started, replayedBelow } = slice;
  const now = Date.now();
  const latenciesMs: number[] = [];
  for (const change of changes) {
    // A tombstone is the second message of a delete (or, after compaction, all that is left of it): counted
    // apart, and its latency is the delete's, already observed.
    const fromTombstone = 'fromTombstone' in change && change.fromTombstone === true;
    metrics.rows.inc({ table, op: fromTombstone ? 'tombstone' : change.op });
    if (fromTombstone || change.offset < replayedBelow) continue;
    const latencyMs = Math.max(0, now - Number(change.committedAtMicros / 1000n));
    metrics.commitToRawSeconds.observe(latencyMs / 1000);
    latenciesMs.push(latencyMs);
  }
  if (skipped > 0) metrics.skipped.inc({ table }, skipped);
  metrics.batchSeconds.observe((performance.now() - started) / 1000);
  const labels = { topic: batch.topic, partition: String(batch.partition) };
  const behind = Math.max(0, Number(BigInt(batch.highWatermark) - nextOffset));
  metrics.lagMessages.set(labels, behind);
  metrics.lagSeconds.set(labels, behind > 0 ? Math.max(0, now - Number(last.timestamp)) / 1000 : 0);
  return latenciesMs;
}
