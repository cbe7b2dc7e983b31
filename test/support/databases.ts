/**
 * Throwaway databases on the stack's PostgreSQL, created by the owner role (CREATEDB) and dropped after the
 * test, so tests never share state.
 */
import pg from 'pg';
import { requireEnv, uniqueName } from './names.ts';

export interface ScratchDatabase {
  name: string;
  /** The same server URL as `baseVariable`, pointed at the scratch database. */
  url(variable?: string): string;
  drop(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function asOwner<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: requireEnv('DATABASE_URL_CORE_OWNER') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * FORCE terminates the database's sessions, but only those the owner may signal: an autovacuum worker (a
 * superuser process) that just started on it makes the drop fail with 42501. It is gone a moment later.
 */
async function dropWithRetries(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 10 || (code !== '42501' && code !== '55006')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

export async function createScratchDatabase(prefix: string, grants: string[] = []): Promise<ScratchDatabase> {
  const name = uniqueName(prefix);
  await asOwner(async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    for (const role of grants) await client.query(`GRANT CONNECT, CREATE ON DATABASE ${name} TO ${role}`);
  });
  return {
    name,
    url: (variable = 'DATABASE_URL_CORE_OWNER') => withDatabase(requireEnv(variable), name),
    drop: () => asOwner((client) => dropWithRetries(client, name)),
  };
}
