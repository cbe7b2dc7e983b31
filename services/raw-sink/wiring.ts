/**
 * A raw sink built from configuration: the analytics pool sized for the sink's concurrency, the kafkajs client,
 * the registry client and every `SINK_*` setting. Shared by the service (main.ts) and the benchmark, so the
 * benchmark measures exactly what runs in production.
 */
import pg from 'pg';
import type { Registry } from 'prom-client';
import type { ConnectorCatalogue } from '../../connectors/index.ts';
import type { Config } from '../../lib/config/index.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import type { Logger } from '../../lib/logging/index.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { createSinkMetrics } from './metrics.ts';
import { RawSink, type RawSinkOptions } from './sink.ts';

export function buildRawSink(options: {
  config: Config<'analyticsDatabase' | 'kafka' | 'registry' | 'sink'>;
  connectors: ConnectorCatalogue;
  logger: Logger;
  metricsRegistry: Registry;
  applicationName?: string;
  onApplied?: RawSinkOptions['onApplied'];
  notifier?: RawSinkOptions['notifier'];
}): { sink: RawSink; pool: pg.Pool } {
  const { config, logger } = options;
  const pool = new pg.Pool({
    connectionString: config.analyticsDatabase.url,
    // One per partition applied at once, one for the cursor reads and the paused-table poll, one held by the
    // LISTEN for rewinds and table pauses.
    max: config.sink.partitionsConcurrency + 3,
    application_name: options.applicationName ?? 'cdc-raw-sink',
  });
  // An idle connection dropping (database restart) must not crash the process; the next batch reports it.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle analytics connection lost'));
  const sink = new RawSink({
    kafka: createKafka(config.kafka, logger, 'sink'),
    groupId: config.sink.groupId,
    pool,
    registry: createSchemaRegistryClient(config.registry),
    connectors: options.connectors,
    logger,
    metrics: createSinkMetrics(options.metricsRegistry),
    pausedPollMs: config.sink.pausedPollMs,
    sessionTimeoutMs: config.sink.sessionTimeoutMs,
    maxBatchMessages: config.sink.maxBatchMessages,
    partitionsConcurrency: config.sink.partitionsConcurrency,
    onApplied: options.onApplied,
    notifier: options.notifier,
  });
  return { sink, pool };
}
