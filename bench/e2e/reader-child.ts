/**
 * The replication reader as the e2e scenario runs it: its own compiled, heap-capped process, wired as
 * services/replication-reader/main.ts wires it (configuration defaults for batching, status interval and
 * producing client), streaming the bench table from a slot the scenario created, until the parent says stop
 * (or goes away). Input: JSON in BENCH_E2E_READER.
 */
import { Registry } from 'prom-client';
import { createConnectorCatalogue } from '../../connectors/catalogue.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { platformaticConnection } from '../../lib/kafka/platformatic.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { createReaderMetrics } from '../../services/replication-reader/metrics.ts';
import { defaultBatchingOptions } from '../../services/replication-reader/producer/batching-producer.ts';
import { createSender } from '../../services/replication-reader/producer/create-sender.ts';
import { runReader } from '../../services/replication-reader/reader.ts';
import { benchConnector } from '../support/core-table.ts';
import { sendToParent, type ToChild } from './protocol.ts';

interface ChildInput {
  coreUrl: string;
  slot: string;
  publication: string;
  prefix: string;
  brokers: string[];
  registryUrl: string;
}

const input = JSON.parse(process.env.BENCH_E2E_READER ?? '{}') as ChildInput;
const config = loadConfig(['kafka', 'reader'], {
  envFiles: false,
  env: { KAFKA_BROKERS: input.brokers.join(','), KAFKA_TOPIC_PREFIX: input.prefix },
});
const logger = createLogger({ service: 'bench-reader', level: 'warn' });
const kafka = createKafka(config.kafka, logger, 'reader');
const connection = platformaticConnection(config.kafka, 'reader');
const metrics = createReaderMetrics(new Registry());

let stop: () => void = () => undefined;
const stopRequested = new Promise<void>((resolve) => {
  stop = resolve;
});
process.on('message', (message: ToChild) => {
  if (message.type === 'stop') stop();
});
process.once('disconnect', () => stop());
process.once('SIGTERM', () => stop());

const options = {
  coreUrl: input.coreUrl,
  slot: input.slot,
  publication: input.publication,
  connectors: createConnectorCatalogue([benchConnector], input.prefix),
  kafka,
  createSender: () => createSender(config.reader.kafkaClient, { kafka, connection }),
  topics: {
    partitions: config.kafka.topics.partitions,
    replicationFactor: config.kafka.topics.replicationFactor,
  },
  registry: createSchemaRegistryClient({ url: input.registryUrl }),
  pseudonymisationKey: undefined,
  batching: {
    ...defaultBatchingOptions,
    lingerMs: config.reader.lingerMs,
    maxBatchMessages: config.reader.maxBatchMessages,
    maxBufferedBytes: config.reader.maxBufferedBytes,
  },
  statusIntervalMs: config.reader.statusIntervalMs,
  pausedRetryMs: config.reader.pausedRetryMs,
  logger,
  metrics,
  onStreaming: () => sendToParent({ type: 'streaming' }),
};
// As ReaderService does: a run that ends for a replay (a paused table accepted again) runs again.
while ((await runReader(options, stopRequested)) === 'replay')
  logger.warn('reader run replays from the slot');
const events = (await metrics.changes.get()).values.reduce((sum, value) => sum + value.value, 0);
sendToParent({ type: 'stopped', events, maxRssBytes: process.resourceUsage().maxRSS * 1024 }, () =>
  process.exit(0),
);
