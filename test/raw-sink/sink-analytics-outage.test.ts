/**
 * The analytics database goes away for a while under load (its connections dropped and refused, through a
 * proxy the test cuts), then comes back: the sink waits, retrying with backoff, skips nothing, and catches up.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);
let proxy: TcpProxy;
let proxiedPool: pg.Pool;

describe('raw sink: the analytics database down for a while under load', () => {
  beforeAll(async () => {
    await reader.setUp('CREATE TABLE orders (id bigint PRIMARY KEY, status text, total numeric(12,2));', [
      { name: 'orders', source: { schema: 'public', table: 'orders' }, destination: { table: 'orders' } },
    ]);
    await fixture.setUp();
    await fixture.createRawTable('orders', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'status', sqlType: 'text' },
      { name: 'total', sqlType: 'numeric(12,2)' },
    ]);
    const target = new URL(fixture.url);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    proxiedPool = new pg.Pool({ connectionString: proxy.url(fixture.url), max: 4 });
    proxiedPool.on('error', () => undefined);
    await reader.start();
  }, 120_000);

  afterAll(async () => {
    await proxy?.restore();
    await fixture.tearDown();
    await proxiedPool?.end().catch(() => undefined);
    await proxy?.cut();
    await reader.tearDown();
  }, 120_000);

  it('waits while the database is away and then catches up with nothing lost', async () => {
    await fixture.startSink({ pool: proxiedPool });
    let writing = true;
    let round = 0;
    const workload = (async () => {
      for (; writing && round < 2_000; round++) {
        await reader.owner.query(
          `INSERT INTO orders SELECT g, 'new', g / 100.0 FROM generate_series($1::bigint, $1::bigint + 49) AS g`,
          [round * 50 + 1],
        );
        await reader.owner.query(`UPDATE orders SET status = 'paid' WHERE id BETWEEN $1 AND $1 + 9`, [
          round * 25,
        ]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await waitFor(async () => {
      const { rows } = await fixture.pool.query<{ count: string }>(
        'SELECT count(*) FROM analytics_raw.orders',
      );
      return Number(rows[0]?.count) > 500;
    }, 'the sink is applying');

    await proxy.cut();
    const roundsBefore = round;
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    // The source kept changing while the database was away.
    expect(round).toBeGreaterThan(roundsBefore);
    const { rows: during } = await fixture.pool.query<{ next: string }>(
      'SELECT coalesce(sum(next_offset), 0)::text AS next FROM cdc.consumer_offsets WHERE consumer_group = $1',
      [fixture.groupId],
    );
    await proxy.restore();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    writing = false;
    await workload;

    await waitFor(() => fixture.converged('orders', 'id, status, total'), 'raw equals core', 120_000);
    await waitFor(() => fixture.caughtUp(reader.topic('orders'), 1), 'the cursor reaches the end');
    const { rows: after } = await fixture.pool.query<{ next: string }>(
      'SELECT sum(next_offset)::text AS next FROM cdc.consumer_offsets WHERE consumer_group = $1',
      [fixture.groupId],
    );
    expect(BigInt(after[0]?.next ?? '0')).toBeGreaterThan(BigInt(during[0]?.next ?? '0'));
  }, 240_000);
});
