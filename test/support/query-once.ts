/**
 * One query on a connection of its own, closed afterwards: for servers a test crashes and restarts, where a
 * kept connection would be dead (its errors are swallowed; the query's own error is thrown).
 */
import pg from 'pg';

export async function queryOnce<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
