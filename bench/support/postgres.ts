/**
 * PostgreSQL helpers of the benchmarks: one short connection per statement (set-up and clean-up only, never in
 * a measured loop), URLs pointed at scratch databases, and the libpq environment for the client tools.
 */
import pg from 'pg';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export async function currentLsn(url: string): Promise<string> {
  return (await query<{ lsn: string }>(url, 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]?.lsn ?? '0/0';
}

/**
 * Drops a scratch database. A client that just disconnected can leave its backend exiting for a moment, and the
 * owner role may not terminate another role's backend (WITH (FORCE) then fails): so retry for a few seconds,
 * and say so when the database stays behind.
 */
export async function dropDatabase(ownerUrl: string, database: string): Promise<void> {
  let failure: unknown;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      await query(ownerUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      return;
    } catch (error) {
      failure = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  process.stderr.write(`bench: could not drop database ${database}: ${String(failure)}\n`);
}

/**
 * psql and friends connect through the libpq variables, so the password travels in the child's environment and
 * never shows up in `ps` (a URL on the command line would).
 */
export function libpqEnvironment(url: string): Record<string, string> {
  const parsed = new URL(url);
  return {
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: parsed.pathname.slice(1),
    PGSSLMODE: parsed.searchParams.get('sslmode') ?? 'prefer',
    PGAPPNAME: 'cdc-bench',
  };
}
