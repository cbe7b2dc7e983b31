/**
 * `npm run reader`: the replication reader service. Wiring only: configuration, clients, the ops endpoints,
 * signals. Readiness is true only while this instance holds the lease and streams.
 */
import { Registry } from 'prom-client';
import { connectorCatalogue } from '../../connectors/index.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { platformaticConnection } from '../../lib/kafka/platformatic.ts';
import { createNotifier } from '../../lib/notify/index.ts';
import { startOpsServer } from '../../lib/observability/ops-server.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { createReaderMetrics } from './metrics.ts';
import { defaultBatchingOptions } from './producer/batching-producer.ts';
import { createSender } from './producer/create-sender.ts';
import { ReaderService } from './service.ts';

const defaultOpsPort = 9101;

await runMain('replication-reader', async () => {
  const { config, logger } = configure('replication-reader', [
    'coreDatabase',
    'kafka',
    'registry',
    'replication',
    'reader',
    'ops',
    'alerts',
  ]);
  const connectors = connectorCatalogue(config.kafka.topics.prefix);
  const needsKey = connectors.connectors.some(
    (connector) => (connector.columns?.pseudonymise?.length ?? 0) > 0,
  );
  const pseudonymisationKey = needsKey
    ? loadConfig(['pseudonymisation'], { envFiles: false }).pseudonymisation.key
    : undefined;

  const kafka = createKafka(config.kafka, logger, 'reader');
  const connection = platformaticConnection(config.kafka, 'reader');
  const registry = new Registry();
  const metrics = createReaderMetrics(registry);
  const notifier = createNotifier(config.alerts, logger, 'replication-reader');
  const service = new ReaderService({
    coreUrl: config.coreDatabase.url,
    slot: config.replication.slotName,
    publication: config.replication.publicationName,
    connectors,
    kafka,
    createSender: () => createSender(config.reader.kafkaClient, { kafka, connection }),
    topics: {
      partitions: config.kafka.topics.partitions,
      replicationFactor: config.kafka.topics.replicationFactor,
    },
    registry: createSchemaRegistryClient(config.registry),
    pseudonymisationKey,
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
    notifier,
  });
  const ops = await startOpsServer({
    registry,
    host: config.ops.host,
    port: config.ops.port ?? defaultOpsPort,
    liveness: () => ({ ok: service.state !== 'stopped', detail: service.detail }),
    readiness: () => ({ ok: service.state === 'streaming', detail: service.detail }),
  });
  logger.info({ port: ops.port }, 'ops endpoints listening (/metrics, /healthz, /readyz)');

  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping: finishing in-flight changes, confirming, then exiting');
      requestStop();
    });
  }
  try {
    await service.run(stopRequested);
  } finally {
    await ops.close();
    await notifier.close();
  }
  return 0;
});
