/**
 * A raw sink in its own process, for tests that kill one with SIGKILL (a crash, not a shutdown). Configured
 * by one JSON environment variable (SINK_CHILD_CONFIG), since its connectors are the test's, not the
 * repository's. Prints `ready` once consuming; SIGTERM stops it gracefully.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createConnectorCatalogue } from '../../../connectors/catalogue.ts';
import { defineConnector } from '../../../connectors/define.ts';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { createLogger } from '../../../lib/logging/index.ts';
import { createSchemaRegistryClient } from '../../../lib/registry/index.ts';
import { createSinkMetrics } from '../../../services/raw-sink/metrics.ts';
import { RawSink } from '../../../services/raw-sink/sink.ts';

export interface SinkChildConfig {
  connectors: ConnectorDefinition[];
  prefix: string;
  groupId: string;
  analyticsUrl: string;
  applicationName: string;
  brokers: string[];
  registryUrl: string;
}

const config = JSON.parse(process.env.SINK_CHILD_CONFIG ?? '{}') as SinkChildConfig;
const pool = new pg.Pool({
  connectionString: config.analyticsUrl,
  max: 2,
  application_name: config.applicationName,
});
pool.on('error', () => undefined);
const sink = new RawSink({
  kafka: new Kafka({ clientId: config.applicationName, brokers: config.brokers, logLevel: logLevel.NOTHING }),
  groupId: config.groupId,
  pool,
  registry: createSchemaRegistryClient({ url: config.registryUrl }),
  connectors: createConnectorCatalogue(config.connectors.map(defineConnector), config.prefix),
  logger: createLogger({ service: config.applicationName, level: process.env.SINK_TEST_LOG ?? 'silent' }),
  metrics: createSinkMetrics(new Registry()),
  pausedPollMs: 1_000,
  sessionTimeoutMs: 6_000,
});
await sink.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void sink
    .stop()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
