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

export async function createScratchDatabase(prefix: string, grants: string[] = []): Promise<ScratchDatabase> {
  const name = uniqueName(prefix);
  await asOwner(async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    for (const role of grants) await client.query(`GRANT CONNECT, CREATE ON DATABASE ${name} TO ${role}`);
  });
  return {
    name,
    url: (variable = 'DATABASE_URL_CORE_OWNER') => withDatabase(requireEnv(variable), name),
    drop: () =>
      asOwner(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
