/**
 * The @platformatic/kafka connection options for the same configuration createKafka (client.ts) reads, so the
 * reader's producing client and the kafkajs admin and consumers reach the same brokers the same way.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaSettings } from './client.ts';

const mechanisms = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

export interface PlatformaticConnection {
  clientId: string;
  bootstrapBrokers: string[];
  tls?: ConnectionOptions;
  sasl?: { mechanism: (typeof mechanisms)[keyof typeof mechanisms]; username: string; password: string };
}

export function platformaticConnection(
  settings: KafkaSettings,
  clientIdSuffix?: string,
): PlatformaticConnection {
  const connection: PlatformaticConnection = {
    clientId: clientIdSuffix ? `${settings.clientId}-${clientIdSuffix}` : settings.clientId,
    bootstrapBrokers: settings.brokers,
  };
  // An empty options object still means TLS (with the system's certificate authorities), as `ssl: true` in kafkajs.
  if (settings.ssl) {
    connection.tls = settings.ssl.caFile ? { ca: [readFileSync(settings.ssl.caFile, 'utf8')] } : {};
  }
  if (settings.sasl) {
    connection.sasl = {
      mechanism: mechanisms[settings.sasl.mechanism],
      username: settings.sasl.username,
      password: settings.sasl.password,
    };
  }
  return connection;
}
