/**
 * The capture side the Debezium scenarios share: a scratch core database with the bench table, our slot and
 * publication (core-table.ts), and, when Debezium captures too, a second publication and slot of its own, both
 * created before any row so each system streams exactly the same WAL and neither snapshots. `drop()` removes
 * both slots and the database, and is safe to call when creation failed half-way.
 */
import { benchTable, createCoreDatabase, dropCoreDatabase, dropSlot } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { query, withDatabase } from '../support/postgres.ts';

export interface CoreCapture {
  database: string;
  ownerUrl: string;
  readerUrl: string;
  publication: string;
  slot: string;
  debeziumPublication: string;
  debeziumSlot: string;
  drop(): Promise<void>;
}

type Env = Pick<BenchEnv, 'ownerUrl' | 'readerUrl'>;

export async function createCoreCapture(env: Env, database: string, debezium: boolean): Promise<CoreCapture> {
  const capture: CoreCapture = {
    database,
    ownerUrl: withDatabase(env.ownerUrl, database),
    readerUrl: withDatabase(env.readerUrl, database),
    publication: 'bench_publication',
    slot: 'bench_ours',
    debeziumPublication: 'bench_debezium_publication',
    debeziumSlot: 'bench_debezium',
    drop: async () => {
      // A database with a slot cannot be dropped: Debezium's slot goes first (dropCoreDatabase drops ours).
      await dropSlot(capture.readerUrl, capture.debeziumSlot).catch(() => undefined);
      await dropCoreDatabase(env.ownerUrl, env.readerUrl, database, capture.slot);
    },
  };
  try {
    await createCoreDatabase(env.ownerUrl, env.readerUrl, database, capture.publication, capture.slot);
    if (debezium) {
      await query(
        capture.ownerUrl,
        `CREATE PUBLICATION ${capture.debeziumPublication} FOR TABLE public.${benchTable}`,
      );
      await query(capture.readerUrl, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [
        capture.debeziumSlot,
      ]);
    }
  } catch (error) {
    await capture.drop();
    throw error;
  }
  return capture;
}

/** Polls `check` every 200 ms until it returns a value; throws `what` after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
