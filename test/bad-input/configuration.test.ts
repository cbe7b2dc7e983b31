/**
 * Malformed configuration and environment at every entry point (reader, sink, marts builder, ops server, cdc
 * CLI), each run as a real process: a missing variable and invalid ones give exit code 2 and a message naming
 * each variable, and never the secret a URL carries. The children run in an empty directory, so no developer
 * `.env` file can fill in what the test leaves out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';

const secret = 'Sup3rSecretPassw0rd';
const workDir = mkdtempSync(path.join(tmpdir(), 'bad-input-config-'));

interface Run {
  code: number | null;
  output: string;
}

function run(entry: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs'),
        path.join(repoRoot, entry),
        ...args,
      ],
      // Only what the test gives (plus PATH and HOME): nothing from the stack leaks in.
      { cwd: workDir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A valid value for every variable any entry point requires; each case removes or breaks some. */
const valid = {
  DATABASE_URL_CORE: `postgres://cdc_reader:${secret}@127.0.0.1:5432/core`,
  DATABASE_URL_ANALYTICS: `postgres://cdc_sink:${secret}@127.0.0.1:5432/analytics`,
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  CDC_PSEUDONYMISATION_KEY: 'k'.repeat(40),
};

function without(...names: (keyof typeof valid)[]): Record<string, string> {
  const env: Record<string, string> = { ...valid };
  for (const name of names) delete env[name];
  return env;
}

const cases: {
  name: string;
  entry: string;
  args?: string[];
  missing: keyof typeof valid;
  invalid: Record<string, string>;
  expected: string[];
}[] = [
  {
    name: 'replication reader',
    entry: 'services/replication-reader/main.ts',
    missing: 'KAFKA_BROKERS',
    // A URL with a password but no database name: invalid, and the password must not be printed.
    invalid: { DATABASE_URL_CORE: `postgres://cdc_reader:${secret}@127.0.0.1:5432`, OPS_PORT: 'eighty' },
    expected: [
      'KAFKA_BROKERS: is required',
      'DATABASE_URL_CORE: must be a postgres:// URL with a host and a database name',
      'OPS_PORT:',
    ],
  },
  {
    name: 'raw sink',
    entry: 'services/raw-sink/main.ts',
    missing: 'SCHEMA_REGISTRY_URL',
    invalid: {
      DATABASE_URL_ANALYTICS: `mysql://cdc_sink:${secret}@127.0.0.1:5432/analytics`,
      KAFKA_BROKERS: 'broker-without-port',
    },
    expected: [
      'SCHEMA_REGISTRY_URL: is required',
      'DATABASE_URL_ANALYTICS: must be a postgres:// URL with a host and a database name',
      'KAFKA_BROKERS: each broker must be host:port',
    ],
  },
  {
    name: 'marts builder',
    entry: 'services/marts-builder/main.ts',
    missing: 'KAFKA_BROKERS',
    // No host at all: the URL parses, but connects nowhere.
    invalid: { DATABASE_URL_ANALYTICS: `postgres://cdc_sink:${secret}@/analytics`, LOG_LEVEL: 'loud' },
    expected: [
      'KAFKA_BROKERS: is required',
      'DATABASE_URL_ANALYTICS: must be a postgres:// URL with a host and a database name',
      'LOG_LEVEL:',
    ],
  },
  {
    name: 'ops server',
    entry: 'services/ops/server/main.ts',
    missing: 'DATABASE_URL_ANALYTICS',
    invalid: { DATABASE_URL_CORE: `postgres://cdc_reader:${secret}@127.0.0.1:notaport/core`, OPS_PORT: '-1' },
    expected: [
      'DATABASE_URL_ANALYTICS: is required',
      'DATABASE_URL_CORE: must be a postgres:// URL with a host and a database name',
      'OPS_PORT:',
    ],
  },
  {
    name: 'cdc CLI',
    entry: 'services/ops/cli/main.ts',
    args: ['status'],
    missing: 'DATABASE_URL_CORE',
    invalid: {
      DATABASE_URL_ANALYTICS: `postgres://cdc_sink:${secret}@127.0.0.1:5432/`,
      KAFKA_BROKERS: ':9092',
    },
    expected: [
      'DATABASE_URL_CORE: is required',
      'DATABASE_URL_ANALYTICS: must be a postgres:// URL with a host and a database name',
      'KAFKA_BROKERS: each broker must be host:port',
    ],
  },
];

describe('bad input: malformed configuration and environment', () => {
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it.concurrent.each(cases)(
    '$name: exits 2 naming the missing and the invalid variables, never printing a secret',
    async ({ entry, args, missing, invalid, expected }) => {
      const result = await run(entry, args ?? [], { ...without(missing), ...invalid });
      expect(result.code, result.output).toBe(2);
      expect(result.output).toContain('Invalid configuration');
      for (const line of expected) expect(result.output).toContain(line);
      expect(result.output).not.toContain(secret);
    },
    60_000,
  );
});
