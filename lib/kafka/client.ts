/**
 * The one place that builds a kafkajs client from configuration. kafkajs is in maintenance mode, so the rest
 * of the code depends on the small interfaces in this folder, not on kafkajs types, and it can be swapped.
 */
import { readFileSync } from 'node:fs';
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';

export type KafkaSettings = Config<'kafka'>['kafka'];

function saslOptions(settings: KafkaSettings): SASLOptions | undefined {
  const sasl = settings.sasl;
  if (!sasl) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

/** kafkajs logs through pino at a level that does not drown the service's own logs. */
function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, broker, clientId, error, retryCount } = log;
      const fields = { component: 'kafkajs', broker, clientId, error, retryCount };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

export function createKafka(settings: KafkaSettings, logger: Logger, clientIdSuffix?: string): Kafka {
  const config: KafkaConfig = {
    clientId: clientIdSuffix ? `${settings.clientId}-${clientIdSuffix}` : settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl
      ? settings.ssl.caFile
        ? { ca: [readFileSync(settings.ssl.caFile, 'utf8')] }
        : true
      : false,
    sasl: saslOptions(settings),
    logLevel: logLevel.WARN,
    logCreator: logCreator(logger),
    connectionTimeout: 10_000,
    requestTimeout: 30_000,
    // Bounded: after this, the caller's own retry policy decides (the reader waits, nothing is confirmed).
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
  };
  return new Kafka(config);
}
