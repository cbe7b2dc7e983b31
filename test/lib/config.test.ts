import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/config/index.ts';

const valid = {
  DATABASE_URL_CORE: 'postgres://reader:s3cret-core@db.internal:5432/core',
  DATABASE_URL_ANALYTICS: 'postgres://sink:s3cret-analytics@db.internal:5432/analytics',
  KAFKA_BROKERS: 'k1:9092, k2:9092',
  SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7',
};

function problemsOf(env: Record<string, string>, sections: Parameters<typeof loadConfig>[0]) {
  try {
    loadConfig(sections, { env, envFiles: false });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses a valid environment with defaults', () => {
    const config = loadConfig(['runtime', 'coreDatabase', 'kafka', 'registry', 'batch'], {
      env: valid,
      envFiles: false,
    });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.kafka.topics).toEqual({ prefix: 'core', partitions: 3, replicationFactor: 1 });
    expect(config.batch.size).toBe(500);
    expect(config.runtime.env).toBe('development');
    expect(config.runtime.sentry).toBeUndefined();
    expect(config.registry.auth).toBeUndefined();
  });

  it('reports every missing variable by name in one error', () => {
    const problems = problemsOf({}, ['coreDatabase', 'analyticsDatabase', 'kafka', 'registry']);
    expect(problems.map((problem) => problem.variable).sort()).toEqual([
      'DATABASE_URL_ANALYTICS',
      'DATABASE_URL_CORE',
      'KAFKA_BROKERS',
      'SCHEMA_REGISTRY_URL',
    ]);
    expect(problems.every((problem) => problem.message === 'is required')).toBe(true);
  });

  it('treats empty variables as unset', () => {
    const problems = problemsOf({ ...valid, DATABASE_URL_CORE: '' }, ['coreDatabase']);
    expect(problems).toEqual([{ variable: 'DATABASE_URL_CORE', message: 'is required' }]);
  });

  it('names invalid values without echoing them', () => {
    const env = {
      ...valid,
      DATABASE_URL_CORE: 'mysql://reader:hunter2-do-not-print@db/core',
      KAFKA_BROKERS: 'no-port-here',
      BATCH_SIZE: '-3',
      ENV: 'prod',
    };
    let message = '';
    try {
      loadConfig(['runtime', 'coreDatabase', 'kafka', 'batch'], { env, envFiles: false });
    } catch (error) {
      message = (error as Error).message;
      expect((error as ConfigError).problems.map((problem) => problem.variable).sort()).toEqual([
        'BATCH_SIZE',
        'DATABASE_URL_CORE',
        'ENV',
        'KAFKA_BROKERS',
      ]);
    }
    expect(message).toContain('DATABASE_URL_CORE');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('no-port-here');
  });

  it('requires SASL credentials when a mechanism is set, and never prints the password', () => {
    const problems = problemsOf(
      { ...valid, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' },
      ['kafka'],
    );
    expect(problems).toEqual([
      { variable: 'KAFKA_SASL_PASSWORD', message: 'is required when KAFKA_SASL_MECHANISM is set' },
    ]);
    const config = loadConfig(['kafka'], {
      env: { ...valid, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      envFiles: false,
    });
    expect(config.kafka.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('requires registry username and password together', () => {
    const problems = problemsOf({ ...valid, SCHEMA_REGISTRY_USERNAME: 'svc' }, ['registry']);
    expect(problems.map((problem) => problem.variable)).toEqual(['SCHEMA_REGISTRY_PASSWORD']);
  });

  it('lets dbt fall back to the analytics URL, and asks for one of them', () => {
    const config = loadConfig(['dbt'], { env: valid, envFiles: false });
    expect(config.dbt.url).toBe(valid.DATABASE_URL_ANALYTICS);
    const problems = problemsOf({}, ['dbt']);
    expect(problems).toEqual([
      { variable: 'DATABASE_URL_ANALYTICS', message: 'is required (or set DBT_DATABASE_URL)' },
    ]);
  });
});
