/**
 * Smoke: the stack's PostgreSQL is set up for logical decoding, and the reader role can stream pgoutput from
 * a slot and a publication, through the library the replication reader builds on.
 */

import pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

describe('logical replication on the core PostgreSQL', () => {
  let database: ScratchDatabase;
  let owner: pg.Client;
  let reader: pg.Client;
  const slot = `smoke_slot_${process.pid}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    database = await createScratchDatabase('smoke_core');
    owner = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE_OWNER') });
    await owner.connect();
    await owner.query(`
      CREATE TABLE missions (id bigint PRIMARY KEY, title text NOT NULL, budget numeric(12,2), starts_at timestamptz);
      GRANT SELECT ON missions TO cdc_reader;
      CREATE PUBLICATION smoke_publication FOR TABLE missions;`);
    reader = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE') });
    await reader.connect();
    await reader.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  });

  afterAll(async () => {
    await reader?.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    await reader?.end();
    await owner?.end();
    await database?.drop();
  });

  it('runs with wal_level=logical and a bounded slot WAL size', async () => {
    const settings = await reader.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_slot_wal_keep_size', 'max_replication_slots')`,
    );
    const byName = Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]));
    expect(byName.wal_level).toBe('logical');
    expect(Number(byName.max_slot_wal_keep_size)).toBeGreaterThan(0);
    expect(Number(byName.max_replication_slots)).toBeGreaterThanOrEqual(10);
  });

  it('decodes a committed insert as the reader role', async () => {
    const service = new LogicalReplicationService(
      { connectionString: database.url('DATABASE_URL_CORE') },
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: ['smoke_publication'] });
    const received = new Promise<Pgoutput.MessageInsert>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no insert decoded within 20 s')), 20_000);
      service.on('data', (_lsn: string, message: Pgoutput.Message) => {
        if (message.tag === 'insert') {
          clearTimeout(timer);
          resolve(message);
        }
      });
      service.on('error', reject);
    });
    const streaming = service.subscribe(plugin, slot).catch(() => undefined);
    try {
      await owner.query(
        `INSERT INTO missions (id, title, budget, starts_at) VALUES (9007199254740993, 'Tutor', 1234.50, '2026-11-21 10:00:00.123456+00')`,
      );
      const insert = await received;
      expect(insert.relation.name).toBe('missions');
      expect(insert.relation.keyColumns).toEqual(['id']);
      expect(insert.new.title).toBe('Tutor');
      // bigint beyond 2^53 must not be rounded on the way.
      expect(String(insert.new.id)).toBe('9007199254740993');
    } finally {
      await service.stop();
      await streaming;
    }
  });
});
