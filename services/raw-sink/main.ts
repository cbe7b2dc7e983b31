/**
 * `npm run sink`: the raw sink service. Wiring only: configuration, clients, the ops endpoints, signals.
 * Ready once it consumes; SIGTERM stops intake, lets the batch in hand commit, leaves the group and exits 0.
 */
import { Registry } from 'prom-client';
import { connectorCatalogue } from '../../connectors/index.ts';
import { createNotifier } from '../../lib/notify/index.ts';
import { startOpsServer } from '../../lib/observability/ops-server.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { buildRawSink } from './wiring.ts';

const defaultOpsPort = 9102;

await runMain('raw-sink', async () => {
  const { config, logger } = configure('raw-sink', [
    'analyticsDatabase',
    'kafka',
    'registry',
    'sink',
    'ops',
    'alerts',
  ]);
  const notifier = createNotifier(config.alerts, logger, 'raw-sink');
  const registry = new Registry();
  const { sink, pool } = buildRawSink({
    config,
    connectors: connectorCatalogue(config.kafka.topics.prefix),
    logger,
    metricsRegistry: registry,
    notifier,
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
    await notifier.close();
  }
  return 0;
});
