/**
 * The throwaway cluster the crash tests use (test/support/throwaway-postgres.ts): db/init's roles and databases,
 * logical decoding on, and a kill -9 of the postmaster followed by a start (crash recovery) keeps every committed
 * row and the replication slot, whose confirmed position never moves past what was confirmed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOnce } from '../support/query-once.ts';
import { ThrowawayPostgres } from '../support/throwaway-postgres.ts';

let cluster: ThrowawayPostgres;

describe('throwaway PostgreSQL cluster', () => {
  beforeAll(async () => {
    cluster = await ThrowawayPostgres.create();
  }, 180_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('has the stack roles and databases, with logical decoding', async () => {
    const [level] = await queryOnce<{ wal_level: string }>(cluster.url('owner', 'core'), 'SHOW wal_level');
    expect(level?.wal_level).toBe('logical');
    const [reader] = await queryOnce<{ rolreplication: boolean }>(
      cluster.url('owner', 'core'),
      `SELECT rolreplication FROM pg_roles WHERE rolname = 'cdc_reader'`,
    );
    expect(reader?.rolreplication).toBe(true);
    await queryOnce(cluster.url('sink', 'analytics'), 'SELECT 1');
  });

  it('survives kill -9: committed rows and the slot are there after crash recovery', async () => {
    const core = cluster.url('owner', 'core');
    await queryOnce(core, 'CREATE TABLE notes (id bigint PRIMARY KEY, body text)');
    const reader = cluster.url('reader', 'core');
    await queryOnce(reader, `SELECT pg_create_logical_replication_slot('crash_slot', 'pgoutput')`);
    await queryOnce(
      core,
      `INSERT INTO notes SELECT g, 'before the crash' FROM generate_series(1, 1000) AS g`,
    );
    const [before] = await queryOnce<{ confirmed: string }>(
      core,
      `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = 'crash_slot'`,
    );
    await cluster.kill();
    await expect(queryOnce(core, 'SELECT 1')).rejects.toThrow();
    await cluster.start();
    const [count] = await queryOnce<{ count: string }>(core, 'SELECT count(*)::text AS count FROM notes');
    expect(count?.count).toBe('1000');
    const [after] = await queryOnce<{ confirmed: string; moved: boolean }>(
      core,
      `SELECT confirmed_flush_lsn::text AS confirmed, confirmed_flush_lsn > $1::pg_lsn AS moved
         FROM pg_replication_slots WHERE slot_name = 'crash_slot'`,
      [before?.confirmed],
    );
    expect(after?.confirmed).toBeDefined();
    expect(after?.moved).toBe(false);
    await queryOnce(reader, `SELECT pg_drop_replication_slot('crash_slot')`);
  }, 120_000);
});
