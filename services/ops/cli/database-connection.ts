/**
 * A short-lived connection for one CLI command (the core database for preflight, publication and snapshot; the
 * analytics database for dlq). Connection failures are reported as what they are (the database is unreachable
 * or refuses the role), never with the URL, which carries a password.
 */
import pg from 'pg';

export async function withDatabaseConnection<T>(
  url: string,
  command: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    application_name: `cdc ${command}`,
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
