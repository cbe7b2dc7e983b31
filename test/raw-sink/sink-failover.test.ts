/**
 * Two sink processes share the group; one is killed with SIGKILL while its merge is running (caught in
 * pg_stat_activity). After the rebalance the other finishes the work: the raw table equals the source, and an
 * audit trigger on the raw table shows that no row version (key, Kafka offset) was ever applied twice, which
 * is the exactly-once effect of the cursor stored with the rows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { requireEnv } from '../support/names.ts';
import type { SinkChildConfig } from './support/sink-child.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);
const children = new Set<ChildProcess>();
const childEntry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'sink-child.ts');

async function startChild(applicationName: string): Promise<ChildProcess> {
  const config: SinkChildConfig = {
    connectors: reader.connectors.map(({ transform: _, ...connector }) => connector),
    prefix: reader.prefix,
    groupId: fixture.groupId,
    analyticsUrl: fixture.url,
    applicationName,
    brokers: requireEnv('KAFKA_BROKERS').split(','),
    registryUrl: requireEnv('SCHEMA_REGISTRY_URL'),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', childEntry], {
    env: { ...process.env, SINK_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${applicationName} not ready in 60 s`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (process.env.SINK_TEST_LOG) process.stderr.write(chunk);
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${applicationName} exited with ${code}`)));
  });
  return child;
}

/** SIGTERM, then SIGKILL if it has not exited within 20 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

describe('raw sink: two instances, one killed mid-batch', () => {
  beforeAll(async () => {
    await reader.setUp('CREATE TABLE events (id bigint PRIMARY KEY, n integer, body text);', [
      { name: 'events', source: { schema: 'public', table: 'events' }, destination: { table: 'events' } },
    ]);
    await fixture.setUp();
    await fixture.createRawTable('events', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'n', sqlType: 'integer' },
      { name: 'body', sqlType: 'text' },
    ]);
    // Every applied row version, in the raw table's own transaction (a rolled-back batch leaves no trace);
    // and a small delay per row, so that a batch takes long enough to be caught running.
    await fixture.pool.query(`
      CREATE TABLE analytics_raw.events_audit (id bigint, kafka_partition integer, kafka_offset bigint);
      CREATE FUNCTION analytics_raw.audit_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_sleep(0.001);
        INSERT INTO analytics_raw.events_audit VALUES (NEW.id, NEW._kafka_partition, NEW._kafka_offset);
        RETURN NEW;
      END $$;
      CREATE TRIGGER audit AFTER INSERT OR UPDATE ON analytics_raw.events
        FOR EACH ROW EXECUTE FUNCTION analytics_raw.audit_events();`);
    await reader.start();
  }, 120_000);

  afterAll(async () => {
    for (const child of [...children]) await stopChild(child);
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('loses nothing and applies nothing twice', async () => {
    const doomed = await startChild('sink_doomed');
    const survivor = await startChild('sink_survivor');
    let writing = true;
    const workload = (async () => {
      for (let round = 0; writing && round < 100; round++) {
        await reader.owner.query(
          `INSERT INTO events SELECT g, 0, 'row ' || g FROM generate_series($1::bigint, $1::bigint + 199) AS g`,
          [round * 200 + 1],
        );
        await reader.owner.query('UPDATE events SET n = n + 1 WHERE id BETWEEN $1 AND $1 + 19', [
          round * 10 + 1,
        ]);
      }
    })();

    // Caught in the act: the doomed sink's merge is running when it dies.
    await waitFor(
      async () => {
        const { rows } = await fixture.pool.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE application_name = 'sink_doomed' AND state = 'active' AND query LIKE 'MERGE%'`,
        );
        return rows.length > 0;
      },
      'the doomed sink applying a batch',
      60_000,
    );
    doomed.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    writing = false;
    await workload;

    const { rows: counted } = await reader.owner.query<{ count: string }>('SELECT count(*) FROM events');
    const total = Number(counted[0]?.count);
    expect(total).toBeGreaterThan(0);
    await waitFor(() => fixture.converged('events', 'id, n, body'), 'raw equals core', 120_000).catch(
      async (error: unknown) => {
        const { rows } = await fixture.pool.query(
          'SELECT count(*) AS raw, (SELECT count(*) FROM analytics_raw.events_audit) AS versions FROM analytics_raw.events',
        );
        throw new Error(`${(error as Error).message}; core ${total} rows, raw ${JSON.stringify(rows[0])}`);
      },
    );
    const { rows: doubled } = await fixture.pool.query(
      `SELECT id, kafka_partition, kafka_offset FROM analytics_raw.events_audit
        GROUP BY 1, 2, 3 HAVING count(*) > 1 LIMIT 5`,
    );
    expect(doubled).toEqual([]);
    const { rows: inRaw } = await fixture.pool.query<{ count: string }>(
      'SELECT count(*) FROM analytics_raw.events WHERE NOT _deleted',
    );
    expect(Number(inRaw[0]?.count)).toBe(total);
    await stopChild(survivor);
  }, 240_000);
});
