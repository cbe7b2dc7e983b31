/** The raw sink's metrics: rows per table and operation, batch duration, commit-to-raw latency, lag, DLQ. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

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
    deadLetters: new Counter({
      name: 'cdc_sink_dead_letters_total',
      help: 'Poison messages sent to the dead-letter topic, per source topic and error code.',
      labelNames: ['topic', 'code'] as const,
      registers,
    }),
  };
}

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;
