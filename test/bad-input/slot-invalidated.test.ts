/**
 * A slot invalidated underneath the pipeline: while the reader is down, more WAL than `max_slot_wal_keep_size`
 * is written and a checkpoint removes what the slot still needed (`wal_status = lost`). On its own cluster
 * (the setting is server-wide). The reader refuses the slot with an error naming it and the fix, and never
 * streams from it; preflight fails it too. Once the operator drops it, the next start re-creates and
 * re-snapshots it, and raw ends equal to core: the change made while the WAL was lost lands, and the row
 * deleted meanwhile ends deleted (the snapshot end).
 */
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPreflight } from '../../lib/source/preflight.ts';
import { SinkFixture, waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import type { ScratchDatabase } from '../support/databases.ts';
import { ThrowawayPostgres } from '../support/throwaway-postgres.ts';

const reader = new ReaderFixture();
const sink = new SinkFixture(reader);
let cluster: ThrowawayPostgres;
const docsColumns = 'id::text, body';

/** The cluster's superuser, over its unix socket (ALTER SYSTEM, CHECKPOINT). */
async function asSuperuser(sql: string): Promise<void> {
  const client = new pg.Client({
    host: path.join(cluster.directory, 'run'),
    port: cluster.port,
    user: 'postgres',
    database: 'postgres',
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function walStatus(): Promise<string | undefined> {
  const { rows } = await reader.owner.query<{ wal_status: string }>(
    'SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1',
    [reader.slot],
  );
  return rows[0]?.wal_status;
}

describe('a slot invalidated underneath the reader (wal_status lost)', () => {
  beforeAll(async () => {
    cluster = await ThrowawayPostgres.create();
    await asSuperuser(`ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'`);
    await asSuperuser('SELECT pg_reload_conf()');
    const core: ScratchDatabase = {
      name: 'core',
      url: (variable = 'DATABASE_URL_CORE_OWNER') =>
        cluster.url(variable === 'DATABASE_URL_CORE' ? 'reader' : 'owner', 'core'),
      drop: async () => undefined,
    };
    await reader.setUp(
      `CREATE TABLE docs (id bigint PRIMARY KEY, body text);
       CREATE TABLE filler (id bigserial PRIMARY KEY, payload text);
       INSERT INTO docs VALUES (1, 'one'), (2, 'two');`,
      [{ name: 'docs', source: { schema: 'public', table: 'docs' }, destination: { table: 'docs' } }],
      core,
    );
    await sink.setUp();
    await sink.createRawTable('docs', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'body', sqlType: 'text' },
    ]);
    await reader.start();
    await sink.startSink();
  }, 180_000);

  afterAll(async () => {
    await sink.tearDown();
    await reader.tearDown();
    await cluster?.destroy();
  }, 120_000);

  it('refuses the lost slot with the fix, and after the drop re-snapshots so that raw equals core', async () => {
    await reader.owner.query(`INSERT INTO docs VALUES (3, 'three')`);
    await waitFor(() => sink.converged('docs', docsColumns), 'raw docs caught up before the outage');
    await reader.stop();

    // While the reader is down: changes, then far more WAL than the slot may keep, then a checkpoint.
    await reader.owner.query(`DELETE FROM docs WHERE id = 2; INSERT INTO docs VALUES (4, 'four')`);
    for (let round = 0; round < 6 && (await walStatus()) !== 'lost'; round++) {
      await reader.owner.query(
        `INSERT INTO filler (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 40000) AS g`,
      );
      await asSuperuser('SELECT pg_switch_wal()');
      await asSuperuser('CHECKPOINT');
    }
    expect(await walStatus()).toBe('lost');

    // The reader refuses it, naming the slot and the fix; preflight fails it as well.
    const failure = (await reader.start().then(
      () => new Error('the reader streamed from a lost slot'),
      (error: unknown) => error,
    )) as { code?: string; message: string };
    expect(failure.code).toBe('CONFIG_INVALID');
    expect(failure.message).toContain(reader.slot);
    expect(failure.message).toContain('wal_status lost');
    expect(failure.message).toContain('drop it');
    const findings = await runPreflight(
      reader.owner,
      { slotName: reader.slot, publicationName: reader.publication, connectors: reader.connectors },
      { CDC_PSEUDONYMISATION_KEY: 'k'.repeat(40) },
    );
    const slotFinding = findings.find((finding) => finding.check === 'slot.wal_status');
    expect(slotFinding).toMatchObject({ status: 'fail' });
    expect(slotFinding?.detail).toContain('changes were missed');
    expect(await sink.converged('docs', docsColumns)).toBe(false);

    // The operator's fix: drop the slot. The next start re-creates it with a snapshot; its end reconciles.
    await asSuperuser(`SELECT pg_drop_replication_slot('${reader.slot}')`);
    await reader.start();
    await reader.owner.query(`INSERT INTO docs VALUES (5, 'after the new slot')`);
    await waitFor(() => sink.converged('docs', docsColumns), 'raw docs equals core after the re-snapshot');
    const gone = await sink.pool.query('SELECT _deleted FROM analytics_raw.docs WHERE id = 2');
    expect(gone.rows).toEqual([{ _deleted: true }]);
  }, 240_000);
});
