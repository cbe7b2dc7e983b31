/** Slot queries against the real PostgreSQL, as the reader role. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogicalSlot,
  dropReplicationSlot,
  formatLsn,
  readReplicationSlot,
} from '../../lib/postgres/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { uniqueName } from '../support/names.ts';

describe('replication slot queries', () => {
  let database: ScratchDatabase;
  let reader: pg.Client;
  const slot = uniqueName('slot');

  beforeAll(async () => {
    database = await createScratchDatabase('pg_slots');
    reader = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE') });
    await reader.connect();
  });

  afterAll(async () => {
    await dropReplicationSlot(reader, slot).catch(() => undefined);
    await reader?.end();
    await database?.drop();
  });

  it('creates, reads and drops a logical slot', async () => {
    const consistentPoint = await createLogicalSlot(reader, slot);
    const state = await readReplicationSlot(reader, slot);
    expect(state).toMatchObject({
      slotName: slot,
      plugin: 'pgoutput',
      slotType: 'logical',
      database: database.name,
      active: false,
      activePid: null,
      walStatus: 'reserved',
    });
    // A new slot is confirmed up to its consistent point: the first position a reader may start from.
    expect(formatLsn(state?.confirmedFlushLsn ?? 0n)).toBe(formatLsn(consistentPoint));
    expect(state?.restartLsn).toBeLessThanOrEqual(consistentPoint);
    expect(await dropReplicationSlot(reader, slot)).toBe(true);
    expect(await dropReplicationSlot(reader, slot)).toBe(false);
    expect(await readReplicationSlot(reader, slot)).toBeUndefined();
  });

  it('refuses a slot name PostgreSQL would refuse, before asking it', async () => {
    await expect(createLogicalSlot(reader, 'Bad-Name')).rejects.toThrow(/invalid replication slot name/);
  });
});
