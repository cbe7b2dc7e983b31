/**
 * The reader's metrics. Names carry their unit; labels stay low-cardinality (table and operation, never a key
 * or an LSN). LSNs are exported as numbers: exact up to 2^53 bytes of WAL (8 PiB), plenty for monitoring.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const readerMetricNames = {
  changes: 'cdc_reader_changes_total',
  transactions: 'cdc_reader_transactions_total',
  produceSeconds: 'cdc_reader_produce_batch_seconds',
  commitToKafkaSeconds: 'cdc_reader_commit_to_kafka_seconds',
  durableLsn: 'cdc_reader_durable_lsn',
  receivedLsn: 'cdc_reader_received_lsn',
  slotLagBytes: 'cdc_reader_slot_lag_bytes',
  slotLagSeconds: 'cdc_reader_slot_lag_seconds',
  inFlightBytes: 'cdc_reader_in_flight_bytes',
  inFlightTransactions: 'cdc_reader_in_flight_transactions',
  streaming: 'cdc_reader_streaming',
  tablePaused: 'cdc_reader_table_paused',
  snapshotRows: 'cdc_reader_snapshot_rows_total',
  snapshotProgress: 'cdc_reader_snapshot_progress_ratio',
  snapshotStaleChunks: 'cdc_reader_snapshot_stale_chunks_total',
  restarts: 'cdc_reader_restarts_total',
  repairRequests: 'cdc_reader_repair_requests_total',
  repairRows: 'cdc_reader_repair_rows_total',
} as const;

export function createReaderMetrics(registry: Registry) {
  const registers = [registry];
  return {
    changes: new Counter({
      name: readerMetricNames.changes,
      help: 'Change events produced to Kafka and acknowledged, by table and operation (c, u, d, r, t).',
      labelNames: ['table', 'op'] as const,
      registers,
    }),
    transactions: new Counter({
      name: readerMetricNames.transactions,
      help: 'Source transactions fully acknowledged by Kafka.',
      registers,
    }),
    produceSeconds: new Histogram({
      name: readerMetricNames.produceSeconds,
      help: 'Time to get one batch acknowledged by Kafka (acks=all), retries included.',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    commitToKafkaSeconds: new Histogram({
      name: readerMetricNames.commitToKafkaSeconds,
      help: 'From the source commit time to Kafka acknowledging the transaction.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    durableLsn: new Gauge({
      name: readerMetricNames.durableLsn,
      help: 'WAL position confirmed to PostgreSQL (everything before it is in Kafka).',
      registers,
    }),
    receivedLsn: new Gauge({
      name: readerMetricNames.receivedLsn,
      help: 'Latest WAL position received from PostgreSQL.',
      registers,
    }),
    slotLagBytes: new Gauge({
      name: readerMetricNames.slotLagBytes,
      help: "Bytes of WAL between the server's current position and the slot's confirmed position.",
      registers,
    }),
    slotLagSeconds: new Gauge({
      name: readerMetricNames.slotLagSeconds,
      help: 'Seconds between now and the commit time of the latest change confirmed to PostgreSQL (0 when idle).',
      registers,
    }),
    inFlightBytes: new Gauge({
      name: readerMetricNames.inFlightBytes,
      help: 'Bytes of encoded messages buffered or awaiting Kafka acknowledgement.',
      registers,
    }),
    inFlightTransactions: new Gauge({
      name: readerMetricNames.inFlightTransactions,
      help: 'Source transactions read but not yet fully acknowledged by Kafka.',
      registers,
    }),
    streaming: new Gauge({
      name: readerMetricNames.streaming,
      help: '1 while this instance holds the lease and streams the slot, else 0.',
      registers,
    }),
    tablePaused: new Gauge({
      name: readerMetricNames.tablePaused,
      help: '1 when a table is paused (for example, the registry rejected its new schema).',
      labelNames: ['table'] as const,
      registers,
    }),
    snapshotRows: new Counter({
      name: readerMetricNames.snapshotRows,
      help: 'Rows read by initial or requested snapshots.',
      labelNames: ['table'] as const,
      registers,
    }),
    snapshotProgress: new Gauge({
      name: readerMetricNames.snapshotProgress,
      help: 'Progress of the running snapshot of a table, from 0 to 1.',
      labelNames: ['table'] as const,
      registers,
    }),
    snapshotStaleChunks: new Counter({
      name: readerMetricNames.snapshotStaleChunks,
      help: 'Incremental snapshot chunks selected again: their snapshot missed a transaction streamed before them.',
      labelNames: ['table'] as const,
      registers,
    }),
    repairRequests: new Counter({
      name: readerMetricNames.repairRequests,
      help: 'Repair requests from the sinks (re-read keys from core), per table and outcome (read, refused, failed).',
      labelNames: ['table', 'outcome'] as const,
      registers,
    }),
    repairRows: new Counter({
      name: readerMetricNames.repairRows,
      help: 'Rows re-read from core for repair requests and sent as r events.',
      labelNames: ['table'] as const,
      registers,
    }),
    restarts: new Counter({
      name: readerMetricNames.restarts,
      help: 'Times the stream was restarted from the durable position after a failure.',
      registers,
    }),
  };
}

export type ReaderMetrics = ReturnType<typeof createReaderMetrics>;
