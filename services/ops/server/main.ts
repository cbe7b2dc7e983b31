/**
 * The ops service: gathers the pipeline's state every few seconds and serves the lag dashboard, its API and
 * the `cdc_ops_*` metrics. Wiring only: configuration, the state source, the sampler, the server, signals.
 * Ready once a first state has been gathered.
 */
import { Registry } from 'prom-client';
import { connectorCatalogue } from '../../../connectors/index.ts';
import { configure, runMain } from '../../../lib/runtime/index.ts';
import { createStateSource } from '../pipeline-state/source.ts';
import { OpsMetrics } from './metrics.ts';
import { Sampler } from './sampler.ts';
import { startDashboardServer } from './server.ts';

const defaultOpsPort = 9100;

await runMain('ops', async () => {
  const { config, logger } = configure('ops', [
    'coreDatabase',
    'analyticsDatabase',
    'kafka',
    'replication',
    'sink',
    'health',
    'ops',
  ]);
  const connectors = connectorCatalogue(config.kafka.topics.prefix);
  const source = await createStateSource(config, logger);
  const registry = new Registry();
  const metrics = new OpsMetrics({
    registry,
    topicOfTable: (name) => {
      const connector = connectors.byName(name);
      return connector ? connectors.topicOf(connector) : undefined;
    },
  });
  const sampler = new Sampler({ source, logger, intervalMs: config.health.sampleSeconds * 1000 });
  sampler.subscribe((event) => {
    if (event.type === 'sample') metrics.update(event.state);
  });
  const server = await startDashboardServer({
    sampler,
    registry,
    host: config.ops.host,
    port: config.ops.port ?? defaultOpsPort,
  });
  sampler.start();
  logger.info(
    { port: server.port, intervalMs: sampler.intervalMs },
    'ops service listening: dashboard on /, /api/state, /api/history, /api/events, /metrics, /healthz, /readyz',
  );
  const signal = await new Promise<string>((resolve) => {
    for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => resolve(name));
  });
  logger.info({ signal }, 'stopping: letting the collect in flight finish, then closing');
  try {
    await sampler.stop();
  } finally {
    await server.close();
    await source.close();
  }
  return 0;
});
