/**
 * The long-lived sources `collectPipelineState` reads, built from configuration: small pools on the core and
 * analytics databases, a Kafka admin client and the group-less message-time reader. Used by the ops service
 * (every few seconds) and by `cdc status` (once).
 */
import pg from 'pg';
import { connectorCatalogue } from '../../../connectors/index.ts';
import type { Config } from '../../../lib/config/index.ts';
import { createKafka } from '../../../lib/kafka/client.ts';
import { createMessageTimes } from '../../../lib/kafka/message-times.ts';
import { platformaticConnection } from '../../../lib/kafka/platformatic.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import { withPooledClient } from '../../../lib/postgres/index.ts';
import { collectPipelineState, type StateSources } from './collect.ts';
import type { PipelineState } from './state.ts';

export type StateSourceConfig = Config<
  'coreDatabase' | 'analyticsDatabase' | 'kafka' | 'replication' | 'sink' | 'health'
>;

export interface StateSource {
  collect(): Promise<PipelineState>;
}

export interface StateSourceOptions {
  /** Consumer groups to report (default: the configured sink group). */
  groupIds?: readonly string[];
  /** application_name on the database connections, so DBAs see who asks. */
  applicationName?: string;
  /** Captured topics, in display order (default: the connector catalogue's under the configured prefix). */
  topics?: readonly string[];
}

function pool(url: string, applicationName: string): pg.Pool {
  const created = new pg.Pool({
    connectionString: url,
    max: 2,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A status query that hangs must not freeze the dashboard: a sample is taken every few seconds.
    statement_timeout: 10_000,
  });
  created.on('error', () => undefined); // an idle client lost: the next checkout reconnects
  return created;
}

export async function createStateSource(
  config: StateSourceConfig,
  logger: Logger,
  options: StateSourceOptions = {},
): Promise<StateSource & { close(): Promise<void> }> {
  const applicationName = options.applicationName ?? 'cdc-ops';
  const core = pool(config.coreDatabase.url, applicationName);
  const analytics = pool(config.analyticsDatabase.url, applicationName);
  const kafka = createKafka(config.kafka, logger, 'ops');
  const admin = kafka.admin();
  const messageTimes = createMessageTimes(platformaticConnection(config.kafka, 'ops-message-times'));
  const catalogue = connectorCatalogue(config.kafka.topics.prefix);
  const sources: StateSources = {
    core: (work) => withPooledClient(core, work),
    analytics: (work) => withPooledClient(analytics, work),
    admin,
    messageTimes,
    scrape: config.health.scrape,
    slotName: config.replication.slotName,
    topics: options.topics ?? catalogue.connectors.map((connector) => catalogue.topicOf(connector)),
    groupIds: options.groupIds ?? [config.sink.groupId],
    thresholds: config.health,
  };
  let connected: Promise<void> | undefined;
  return {
    async collect() {
      // Connected lazily and again after a failure: the ops service starts even when Kafka is down.
      connected ??= admin.connect().catch((error: unknown) => {
        connected = undefined;
        throw error;
      });
      await connected.catch(() => undefined);
      return collectPipelineState(sources);
    },
    async close() {
      await Promise.allSettled([admin.disconnect(), messageTimes.close(), core.end(), analytics.end()]);
    },
  };
}
