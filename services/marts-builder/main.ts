/**
 * `npm run marts`: the marts builder service. Wiring only: configuration, clients, the ops endpoints, signals.
 * Ready once its first tick is scheduled; SIGTERM stops scheduling, lets a build in progress finish, exits 0.
 */
import pg from 'pg';
import { Registry } from 'prom-client';
import { connectorCatalogue } from '../../connectors/index.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { createNotifier } from '../../lib/notify/index.ts';
import { startOpsServer } from '../../lib/observability/ops-server.ts';
import { configure, reportError, runMain } from '../../lib/runtime/index.ts';
import { parseEventTimeSources } from './build-window.ts';
import { MartsBuilder } from './builder.ts';
import { createBuilderMetrics } from './metrics.ts';

const defaultOpsPort = 9103;

await runMain('marts-builder', async () => {
  const { config, logger } = configure('marts-builder', [
    'analyticsDatabase',
    'dbt',
    'kafka',
    'sink',
    'marts',
    'ops',
    'alerts',
  ]);
  const pool = new pg.Pool({
    connectionString: config.analyticsDatabase.url,
    max: 3,
    application_name: 'cdc-marts-builder',
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle analytics connection lost'));
  const admin = createKafka(config.kafka, logger, 'marts').admin();
  await admin.connect();
  const catalogue = connectorCatalogue(config.kafka.topics.prefix);
  const registry = new Registry();
  const metrics = createBuilderMetrics(registry);
  const notifier = createNotifier(config.alerts, logger, 'marts-builder');
  const builder = new MartsBuilder({
    pool,
    admin,
    sinkGroupId: config.sink.groupId,
    topics: catalogue.connectors.map((connector) => catalogue.topicOf(connector)),
    dbt: {
      databaseUrl: config.dbt.url,
      threads: config.dbt.threads,
      venv: config.dbt.venv,
      select: config.marts.select,
    },
    tickMs: config.marts.tickSeconds * 1000,
    maxBackoffMs: config.marts.maxBackoffSeconds * 1000,
    window: {
      begin: new Date(`${config.marts.begin}T00:00:00Z`),
      lookbackHours: config.marts.lookbackHours,
      fullRebuildHours: config.marts.fullRebuildHours,
      eventTimeSources: parseEventTimeSources(config.marts.eventTimeSources),
    },
    logger,
    metrics,
    report: reportError,
    notifier,
  });
  let state: 'starting' | 'building' | 'stopping' = 'starting';
  const ops = await startOpsServer({
    registry,
    host: config.ops.host,
    port: config.ops.port ?? defaultOpsPort,
    liveness: () => ({ ok: true, detail: state }),
    readiness: () => ({ ok: state === 'building', detail: state }),
  });
  logger.info({ port: ops.port }, 'ops endpoints listening (/metrics, /healthz, /readyz)');
  const stopRequested = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  try {
    builder.start();
    state = 'building';
    logger.info({ tickSeconds: config.marts.tickSeconds }, 'marts builder scheduled');
    const signal = await stopRequested;
    state = 'stopping';
    logger.info({ signal }, 'stopping: a build in progress finishes first');
  } finally {
    await builder.stop();
    await admin.disconnect().catch(() => undefined);
    await pool.end();
    await ops.close();
    await notifier.close();
  }
  return 0;
});
