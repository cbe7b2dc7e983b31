/**
 * Where the local stack lives: ports, databases, roles and the connection variables derived from them.
 *
 * The native stack (scripts/stack), docker-compose.yml and the Kubernetes manifests must agree with this file;
 * a test checks that they do. Passwords here are throwaway credentials for a loopback-only development stack,
 * never used anywhere else.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Everything the stack installs or writes lives under this ignored folder (override with CDC_STACK_HOME). */
export const stackHome = process.env.CDC_STACK_HOME
  ? path.resolve(process.env.CDC_STACK_HOME)
  : path.join(repoRoot, '.cache', 'stack');

export const host = '127.0.0.1';

export const ports = {
  postgres: 54329,
  kafka: 19092,
  kafkaController: 19093,
  schemaRegistry: 18081,
} as const;

export const databases = {
  core: 'core',
  analytics: 'analytics',
  /** Storage of the schema registry (Apicurio's SQL storage), so registered schemas survive restarts. */
  registry: 'registry',
} as const;

/**
 * Least-privilege roles. `owner` stands for the product's application (owns the core tables; used by the seed,
 * the workload generator and test set-up); the pipeline never runs as it.
 */
export const roles = {
  owner: { name: 'cdc_owner', password: 'cdc_owner' },
  reader: { name: 'cdc_reader', password: 'cdc_reader' },
  sink: { name: 'cdc_sink', password: 'cdc_sink' },
  /** Runs dbt: reads analytics_raw, owns the staging/intermediate/marts schemas. */
  transform: { name: 'cdc_transform', password: 'cdc_transform' },
  analyst: { name: 'cdc_analyst', password: 'cdc_analyst' },
  registry: { name: 'cdc_registry', password: 'cdc_registry' },
} as const;

export type RoleKey = keyof typeof roles;

export function postgresUrl(role: RoleKey, database: string): string {
  const { name, password } = roles[role];
  // sslmode=disable: the loopback stack has no TLS, and dbmate's driver would otherwise insist on it.
  return `postgres://${name}:${password}@${host}:${ports.postgres}/${database}?sslmode=disable`;
}

/** The connection variables printed by `npm run stack -- env` and read by tests and services. */
export function connectionEnv(): Record<string, string> {
  return {
    DATABASE_URL_CORE: postgresUrl('reader', databases.core),
    DATABASE_URL_CORE_OWNER: postgresUrl('owner', databases.core),
    DATABASE_URL_ANALYTICS: postgresUrl('sink', databases.analytics),
    DATABASE_URL_ANALYTICS_OWNER: postgresUrl('owner', databases.analytics),
    DBT_DATABASE_URL: postgresUrl('transform', databases.analytics),
    DATABASE_URL_ANALYST: postgresUrl('analyst', databases.analytics),
    KAFKA_BROKERS: `${host}:${ports.kafka}`,
    SCHEMA_REGISTRY_URL: `http://${host}:${ports.schemaRegistry}/apis/ccompat/v7`,
    DBT_VENV: path.join(stackHome, 'venv'),
    // A throwaway key for the demo data only; production sets its own secret.
    CDC_PSEUDONYMISATION_KEY: 'local-stack-pseudonymisation-key-not-a-secret',
  };
}
