/**
 * `npm run sink`: the raw sink service. Wiring only: configuration, clients, the ops endpoints, signals.
 * Ready once it consumes; SIGTERM stops intake, lets the batch in hand commit, leaves the group and exits 0.
 */
import pg from 'pg';
import { Registry } from 'prom-client';
import { connectorCatalogue } from '../../connectors/index.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { startOpsServer } from '../../lib/observability/ops-server.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { createSinkMetrics } from './metrics.ts';
import { RawSink } from './sink.ts';

const defaultOpsPort = 9102;

await runMain('raw-sink', async () => {
  const { config, logger } = configure('raw-sink', ['analyticsDatabase', 'kafka', 'registry', 'sink', 'ops']);
  const pool = new pg.Pool({
    connectionString: config.analyticsDatabase.url,
    max: 4,
    application_name: 'cdc-raw-sink',
  });
  // An idle connection dropping (database restart) must not crash the process; the next batch reports it.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle analytics connection lost'));
  const registry = new Registry();
  const sink = new RawSink({
    kafka: createKafka(config.kafka, logger, 'sink'),
    groupId: config.sink.groupId,
    pool,
    registry: createSchemaRegistryClient(config.registry),
    connectors: connectorCatalogue(config.kafka.topics.prefix),
    logger,
    metrics: createSinkMetrics(registry),
    pausedPollMs: config.sink.pausedPollMs,
    sessionTimeoutMs: config.sink.sessionTimeoutMs,
    maxBatchMessages: config.sink.maxBatchMessages,
  });
  let state: 'starting' | 'consuming' | 'stopping' = 'starting';
  const ops = await startOpsServer({
    registry,
    host: config.ops.host,
    port: config.ops.port ?? defaultOpsPort,
    liveness: () => (state === 'consuming' ? sink.health() : { ok: true, detail: state }),
    readiness: () => ({ ok: state === 'consuming' && sink.health().ok, detail: state }),
  });
  logger.info({ port: ops.port }, 'ops endpoints listening (/metrics, /healthz, /readyz)');
  const stopRequested = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  try {
    await sink.start();
    state = 'consuming';
    const signal = await stopRequested;
    state = 'stopping';
    logger.info({ signal }, 'stopping: finishing the batch in hand, committing, leaving the group');
  } finally {
    await sink.stop();
    await pool.end();
    await ops.close();
  }
  return 0;
});
