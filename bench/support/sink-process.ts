/**
 * The raw sink as a bench child process builds it: the same wiring as services/raw-sink/main.ts (buildRawSink:
 * the configuration defaults and any SINK_* variable set for the run), on the bench
 * table's topic and a consumer group of the run's own.
 */
import type pg from 'pg';
import { Registry } from 'prom-client';
import { createConnectorCatalogue } from '../../connectors/catalogue.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { createLogger } from '../../lib/logging/index.ts';
import type { RawSink, RawSinkOptions } from '../../services/raw-sink/sink.ts';
import { buildRawSink } from '../../services/raw-sink/wiring.ts';
import { benchConnector } from './core-table.ts';

export interface SinkChildInput {
  analyticsUrl: string;
  brokers: string[];
  registryUrl: string;
  prefix: string;
  groupId: string;
}

export function createBenchSink(
  input: SinkChildInput,
  onApplied: NonNullable<RawSinkOptions['onApplied']>,
): { sink: RawSink; pool: pg.Pool } {
  const logger = createLogger({ service: 'bench-sink', level: 'warn' });
  // The service's defaults; SINK_* tuning variables set for the bench run reach it as they would the service.
  const config = loadConfig(['analyticsDatabase', 'kafka', 'registry', 'sink'], {
    envFiles: false,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('SINK_'))),
      DATABASE_URL_ANALYTICS: input.analyticsUrl,
      KAFKA_BROKERS: input.brokers.join(','),
      KAFKA_TOPIC_PREFIX: input.prefix,
      SCHEMA_REGISTRY_URL: input.registryUrl,
      SINK_GROUP_ID: input.groupId,
    },
  });
  return buildRawSink({
    config,
    connectors: createConnectorCatalogue([benchConnector], input.prefix),
    logger,
    metricsRegistry: new Registry(),
    applicationName: 'cdc-bench-sink',
    onApplied,
  });
}
