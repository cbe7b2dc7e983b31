/**
 * Tests find services through DATABASE_URL_CORE, DATABASE_URL_ANALYTICS, KAFKA_BROKERS and SCHEMA_REGISTRY_URL.
 * When any is missing, the local stack is brought up (idempotently) and its connection variables are handed
 * to the test workers.
 */
import type { TestProject } from 'vitest/node';

export const requiredVariables = [
  'DATABASE_URL_CORE',
  'DATABASE_URL_ANALYTICS',
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
] as const;

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const missing = requiredVariables.filter((name) => !process.env[name]);
  if (missing.length === 0) {
    project.provide('stackEnv', {});
    return;
  }
  process.stderr.write(`test setup: ${missing.join(', ')} not set; bringing the local stack up\n`);
  const { ensureStack } = await import('../../scripts/stack/ensure.ts');
  project.provide('stackEnv', await ensureStack());
}
