/**
 * A scratch database with the demo core schema (dbmate, as the owner role), plus connections as the owner
 * (who may manage the publication) and as the reader role (REPLICATION, SELECT granted by the migrations).
 */
import pg from 'pg';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

export async function createCoreScratch(prefix: string): Promise<ScratchDatabase> {
  const database = await createScratchDatabase(prefix);
  const migrated = await runDbmate({
    target: 'core',
    url: database.url('DATABASE_URL_CORE_OWNER'),
    args: ['up'],
    capture: true,
  });
  if (migrated.code !== 0) {
    await database.drop();
    throw new Error(`core migrations failed:\n${migrated.output}`);
  }
  return database;
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Drops test slots by name before the database goes (DROP DATABASE refuses while a slot uses it). */
export async function dropSlots(client: pg.Client | undefined, slots: string[]): Promise<void> {
  if (!client) return;
  await client
    .query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ANY($1)', [
      slots,
    ])
    .catch(() => undefined);
}
