/**
 * withPooledClient: a checked-out client whose connection drops between two queries must not crash the
 * process (node-postgres emits `error` on it, and only idle clients have a listener), and it is not handed
 * out again.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPooledClient } from '../../lib/postgres/index.ts';
import { requireEnv } from '../support/names.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

describe('withPooledClient', () => {
  const target = new URL(requireEnv('DATABASE_URL_ANALYTICS'));
  const proxy = new TcpProxy(target.hostname, Number(target.port));
  let pool: pg.Pool;
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    await proxy.start();
    pool = new pg.Pool({ connectionString: proxy.url(target.toString()), max: 1 });
    pool.on('error', () => undefined);
    process.on('uncaughtException', record);
  });

  afterAll(async () => {
    process.off('uncaughtException', record);
    await pool.end();
    await proxy.cut();
  });

  it('keeps a connection lost between queries from becoming an uncaught exception', async () => {
    await expect(
      withPooledClient(pool, async (client) => {
        await client.query('SELECT 1');
        await proxy.cut(); // the database goes away while the client is checked out and idle
        await new Promise((resolve) => setTimeout(resolve, 200));
        await client.query('SELECT 1');
      }),
    ).rejects.toThrow();
    expect(uncaught).toEqual([]);

    // The broken client was destroyed: once the database is back, the pool hands out a working one.
    await proxy.restore();
    const { rows } = await withPooledClient(pool, (client) =>
      client.query<{ one: number }>('SELECT 1 AS one'),
    );
    expect(rows).toEqual([{ one: 1 }]);
  });
});
