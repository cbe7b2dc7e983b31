/** The reader's producing client must reach the brokers exactly as the kafkajs clients do (TLS, SASL). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/index.ts';
import { platformaticConnection } from '../../lib/kafka/platformatic.ts';

function kafkaSettings(env: Record<string, string>) {
  return loadConfig(['kafka'], { env: { KAFKA_BROKERS: 'k1:9092,k2:9093', ...env }, envFiles: false }).kafka;
}

describe('platformaticConnection', () => {
  it('uses plain connections when neither TLS nor SASL is configured', () => {
    expect(platformaticConnection(kafkaSettings({}), 'reader')).toEqual({
      clientId: 'cdc-pipeline-reader',
      bootstrapBrokers: ['k1:9092', 'k2:9093'],
    });
  });

  it('maps TLS with the configured certificate authority, and SASL mechanisms to the library names', () => {
    const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-ca-')), 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n');
    const connection = platformaticConnection(
      kafkaSettings({
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: caFile,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'reader',
        KAFKA_SASL_PASSWORD: 'not-logged',
      }),
    );
    expect(connection.tls).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
    expect(connection.sasl).toEqual({
      mechanism: 'SCRAM-SHA-512',
      username: 'reader',
      password: 'not-logged',
    });
  });

  it('uses the system certificate authorities when TLS has no CA file', () => {
    const connection = platformaticConnection(
      kafkaSettings({
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }),
    );
    expect(connection.tls).toEqual({});
    expect(connection.sasl?.mechanism).toBe('PLAIN');
  });
});

describe('READER_KAFKA_CLIENT', () => {
  it('defaults to platformatic and rejects an unknown client by name', () => {
    expect(loadConfig(['reader'], { env: {}, envFiles: false }).reader.kafkaClient).toBe('platformatic');
    expect(
      loadConfig(['reader'], { env: { READER_KAFKA_CLIENT: 'kafkajs' }, envFiles: false }).reader.kafkaClient,
    ).toBe('kafkajs');
    expect(() =>
      loadConfig(['reader'], { env: { READER_KAFKA_CLIENT: 'rdkafka' }, envFiles: false }),
    ).toThrow(/READER_KAFKA_CLIENT/);
  });
});
