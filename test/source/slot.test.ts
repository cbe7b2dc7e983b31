/**
 * Slot management as the reader role: create once, read its health, drop; and the exported-snapshot path,
 * whose snapshot another connection can import while (and only while) the creating connection stays open.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../lib/postgres/index.ts';
import { dropSlot, ensureSlot, readSlotStatus } from '../../lib/source/slot.ts';
import { createSlotWithSnapshot } from '../../lib/source/slot-snapshot.ts';
import type { ScratchDatabase } from '../support/databases.ts';
import { uniqueName } from '../support/names.ts';
import { connect, createCoreScratch, dropSlots } from './core-scratch.ts';

describe('replication slot', () => {
  let database: ScratchDatabase;
  let owner: pg.Client;
  let reader: pg.Client;
  const slot = uniqueName('slot');
  const snapshotSlot = uniqueName('slot_snap');

  beforeAll(async () => {
    database = await createCoreScratch('setup_slot');
    owner = await connect(database.url('DATABASE_URL_CORE_OWNER'));
    reader = await connect(database.url('DATABASE_URL_CORE'));
  });

  afterAll(async () => {
    await dropSlots(reader, [slot, snapshotSlot]);
    await reader?.end();
    await owner?.end();
    await database?.drop();
  });

  it('creates the slot once, reports its state and lag, and drops it', async () => {
    expect(await readSlotStatus(reader, slot)).toBeNull();
    const created = await ensureSlot(reader, slot);
    expect(created.created).toBe(true);
    expect(created.status).toMatchObject({
      slotName: slot,
      plugin: 'pgoutput',
      slotType: 'logical',
      database: database.name,
      active: false,
      activePid: null,
      walStatus: 'reserved',
    });
    expect(created.status.confirmedFlushLsn).toBeTypeOf('bigint');
    expect(created.status.safeWalSizeBytes).toBeGreaterThan(0n);

    await owner.query(`INSERT INTO partners (name) SELECT 'partner ' || i FROM generate_series(1, 200) AS i`);
    const later = await readSlotStatus(reader, slot);
    expect(later?.lagBytes).toBeGreaterThan(created.status.lagBytes ?? 0n);
    expect(later?.retainedBytes).toBeGreaterThanOrEqual(later?.lagBytes ?? 0n);

    expect((await ensureSlot(reader, slot)).created).toBe(false);
    expect(await dropSlot(reader, slot)).toBe(true);
    expect(await readSlotStatus(reader, slot)).toBeNull();
    expect(await dropSlot(reader, slot)).toBe(false);
  });

  it('exports a snapshot at the slot’s consistent point that another connection can import', async () => {
    const before = await owner.query<{ count: string }>('SELECT count(*) FROM partners');
    const exported = await createSlotWithSnapshot(database.url('DATABASE_URL_CORE'), snapshotSlot);
    const importer = await connect(database.url('DATABASE_URL_CORE'));
    try {
      expect(exported.snapshotName).toMatch(/^[0-9A-F]+-[0-9A-F]+-\d+$/);
      const status = await readSlotStatus(reader, snapshotSlot);
      expect(status?.confirmedFlushLsn).toBe(exported.consistentPoint);

      // Committed after the slot was created: in the stream, not in the snapshot.
      await owner.query(`INSERT INTO partners (name) VALUES ('after the snapshot')`);

      await importer.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await importer.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(exported.snapshotName)}`);
      const seen = await importer.query<{ count: string }>('SELECT count(*) FROM partners');
      expect(seen.rows[0]?.count).toBe(before.rows[0]?.count);
      await importer.query('COMMIT');

      await exported.close();
      await importer.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await expect(
        importer.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(exported.snapshotName)}`),
      ).rejects.toThrow(/invalid snapshot identifier/);
      await importer.query('ROLLBACK');
    } finally {
      await exported.close();
      await importer.end();
    }
  });
});
