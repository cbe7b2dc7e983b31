/**
 * Against a real PostgreSQL: the core migrations, the seed and the workload on a scratch database of their own.
 * The workload's report is only useful if its expected counts are what the database really holds, so that is
 * checked after every kind of run, including one whose connections are killed under it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { seedCore } from '../../scripts/demo/domain/seed-core.ts';
import { type CoreTable, coreTables, primaryKeys } from '../../scripts/demo/domain/tables.ts';
import { countRows } from '../../scripts/workload/references.ts';
import type { WorkloadReport } from '../../scripts/workload/report.ts';
import { runWorkload } from '../../scripts/workload/run.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

const anchorMs = Date.UTC(2026, 10, 1);
const applicationName = `core_test_workload_${process.pid}`;

describe('core schema, seed and workload on a scratch database', () => {
  let database: ScratchDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createScratchDatabase('core_test');
    pool = new pg.Pool({ connectionString: database.url(), max: 3, application_name: applicationName });
    pool.on('error', () => undefined);
    // Every test starts from a migrated, seeded database, so each can run alone (vitest -t).
    const migrated = await runDbmate({ target: 'core', url: database.url(), args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    await withClient((client) => seedCore(client, { seed: 42, reset: true }));
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  /** A digest of every row except updated_at (set by now(), so it differs between runs by design). */
  async function fingerprint(): Promise<Record<string, string>> {
    return withClient(async (client) => {
      const digests: Record<string, string> = {};
      for (const table of coreTables) {
        const { rows } = await client.query(
          `SELECT md5(coalesce(string_agg((to_jsonb(t) - 'updated_at')::text, '|' ORDER BY ${primaryKeys[table].join(', ')}), '')) AS digest FROM ${table} t`,
        );
        digests[table] = rows[0].digest;
      }
      return digests;
    });
  }

  async function expectReportMatchesDatabase(report: WorkloadReport): Promise<void> {
    const actual = await withClient((client) => countRows(client));
    const expected = Object.fromEntries(
      coreTables.map((table) => [table, report.tables[table].expectedRows]),
    );
    expect(actual).toEqual(expected);
    await withClient(async (client) => {
      for (const table of coreTables) {
        const { lastWrittenKeys, lastDeletedKeys } = report.tables[table];
        const where = primaryKeys[table].map((column, i) => `${column}::text = $${i + 1}`).join(' AND ');
        const exists = async (key: string) =>
          (await client.query(`SELECT 1 FROM ${table} WHERE ${where}`, key.split(':'))).rowCount === 1;
        for (const key of lastWrittenKeys)
          expect(await exists(key), `${table} ${key} should exist`).toBe(true);
        for (const key of lastDeletedKeys)
          expect(await exists(key), `${table} ${key} should be gone`).toBe(false);
      }
    });
  }

  it('migrates with dbmate, re-runs as a no-op, and rolls all the way back and up again', async () => {
    // A database of its own: this test takes the schema down and up again.
    const scratch = await createScratchDatabase('core_test_migrations');
    const url = scratch.url();
    try {
      const up = await runDbmate({ target: 'core', url, args: ['up'], capture: true });
      expect(up.code, up.output).toBe(0);
      expect(up.output.match(/Applied:/g)?.length).toBeGreaterThanOrEqual(8);
      const again = await runDbmate({ target: 'core', url, args: ['up'], capture: true });
      expect(again.code, again.output).toBe(0);
      expect(again.output).not.toMatch(/Applying/);
      for (let step = 0; step < 8; step++) {
        const down = await runDbmate({ target: 'core', url, args: ['rollback'], capture: true });
        expect(down.code, down.output).toBe(0);
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const leftovers = await client.query(
          `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations'`,
        );
        expect(leftovers.rows).toEqual([]);
      } finally {
        await client.end();
      }
      const reapplied = await runDbmate({ target: 'core', url, args: ['up'], capture: true });
      expect(reapplied.code, reapplied.output).toBe(0);
    } finally {
      await scratch.drop();
    }
  });

  it('gives every captured table a primary key, and the reader role SELECT on those tables only', async () => {
    await withClient(async (client) => {
      const keys = await client.query(
        `SELECT c.relname FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
         WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)`,
        [coreTables],
      );
      expect(keys.rows.map((row) => row.relname).sort()).toEqual([...coreTables].sort());
      const reader = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = 'cdc_reader'`);
      if (reader.rowCount === 1) {
        for (const table of coreTables) {
          const grant = await client.query(
            `SELECT has_any_column_privilege('cdc_reader', $1, 'SELECT') AS ok`,
            [table],
          );
          expect(grant.rows[0].ok, table).toBe(true);
        }
        // Excluded personal data is unreadable even to the pipeline's role; published columns stay readable.
        for (const [table, column, readable] of [
          ['partners', 'email', false],
          ['stat_events', 'ip', false],
          ['stat_events', 'user_agent', false],
          ['stat_events', 'referer', false],
          ['stat_events', 'user_fingerprint', true],
          ['partners', 'name', true],
        ] as const) {
          const grant = await client.query(
            `SELECT has_column_privilege('cdc_reader', $1, $2, 'SELECT') AS ok`,
            [table, column],
          );
          expect(grant.rows[0].ok, `${table}.${column}`).toBe(readable);
        }
        // Least privilege: a table nobody captures stays unreadable to the pipeline, now and later.
        await client.query('CREATE TABLE uncaptured_notes (id bigint PRIMARY KEY)');
        try {
          for (const table of ['schema_migrations', 'uncaptured_notes']) {
            const grant = await client.query(`SELECT has_table_privilege('cdc_reader', $1, 'SELECT') AS ok`, [
              table,
            ]);
            expect(grant.rows[0].ok, table).toBe(false);
          }
        } finally {
          await client.query('DROP TABLE uncaptured_notes');
        }
      }
    });
  });

  it('seeds the same rows for the same seed, and leaves a seeded database alone without reset', async () => {
    const first = await withClient((client) => seedCore(client, { seed: 3, reset: true }));
    expect(first).toMatchObject({
      seeded: true,
      counts: { partners: 20, missions: 200, widgets: 30, campaigns: 10, stat_events: 2000 },
    });
    const digest = await fingerprint();
    const untouched = await withClient((client) => seedCore(client, { seed: 3 }));
    expect(untouched.seeded).toBe(false);
    await withClient((client) => seedCore(client, { seed: 3, reset: true }));
    expect(await fingerprint()).toEqual(digest);
    await withClient((client) => seedCore(client, { seed: 4, reset: true }));
    expect((await fingerprint()).stat_events).not.toBe(digest.stat_events);
  });

  it('stores large mission descriptions out of line, where unchanged-TOAST updates come from', async () => {
    await withClient(async (client) => {
      // Heap tuples are shrunk to ~2 kB: a value still above that once compressed can only live in the TOAST table
      // (whose rows a non-superuser may not read, hence the sizes).
      const large = await client.query(
        `SELECT count(*)::int AS n FROM missions
         WHERE octet_length(description) > 8192 AND pg_column_size(description) > 2032`,
      );
      expect(large.rows[0].n).toBeGreaterThan(0);
      const toast = await client.query(
        `SELECT pg_relation_size(reltoastrelid)::int AS bytes FROM pg_class WHERE oid = 'missions'::regclass`,
      );
      expect(toast.rows[0].bytes).toBeGreaterThan(0);
    });
  });

  it('reports expected row counts equal to count(*) after a default-mix run', async () => {
    await withClient((client) => seedCore(client, { seed: 42, reset: true }));
    const report = await runWorkload(pool, { seed: 42, count: 50, rate: 0, anchorMs });
    expect(report.stoppedBy).toBe('count');
    expect(report.transactions).toBe(50);
    expect(report.tables.stat_events.inserted).toBeGreaterThan(0);
    expect(report.tables.missions.updated).toBeGreaterThan(0);
    expect(report.tables.stat_events.truncates).toBe(0);
    await expectReportMatchesDatabase(report);
  });

  it('keeps the counts right across deletes, cascades and truncates', async () => {
    const report = await runWorkload(pool, {
      seed: 5,
      count: 120,
      rate: 0,
      txSize: '2-6',
      mix: 'insert=50,update=20,delete=27,truncate=3',
      largeTextRatio: 0.5,
      anchorMs,
    });
    const total = (kind: 'inserted' | 'updated' | 'deleted' | 'truncates') =>
      coreTables.reduce((sum, table: CoreTable) => sum + report.tables[table][kind], 0);
    expect(total('deleted')).toBeGreaterThan(0);
    expect(report.tables.missions.deleted).toBeGreaterThan(0);
    expect(report.tables.stat_events.truncates).toBeGreaterThan(0);
    await expectReportMatchesDatabase(report);
  });

  it('never exceeds the target rate', async () => {
    const report = await runWorkload(pool, { seed: 8, rate: 40, durationSeconds: 1.5, anchorMs });
    expect(report.stoppedBy).toBe('duration');
    // Only the upper bound: a busy shared machine may fall behind the rate, but pacing must never burst past
    // it (unthrottled, this run would commit hundreds of transactions).
    expect(report.transactions).toBeGreaterThan(0);
    expect(report.transactions).toBeLessThanOrEqual(62);
    await expectReportMatchesDatabase(report);
  });

  it('rides through connections killed under it and still reports the true counts', async () => {
    const killer = new pg.Client({ connectionString: database.url() });
    await killer.connect();
    let killed = 0;
    // Only backends inside a transaction: killing an idle pooled connection just makes the pool open another,
    // which proves nothing (and made this test flaky at low rates). Unthrottled, a backend is almost always busy.
    // A few kills, spaced out: killing every attempt on a slow machine would exhaust any retry budget.
    const maxKills = 3;
    const kill = setInterval(() => {
      if (killed >= maxKills) return;
      killer
        .query(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()
             AND state <> 'idle'`,
          [applicationName],
        )
        .then((result) => {
          killed += result.rows[0].n;
        })
        .catch(() => undefined);
    }, 250);
    let report: WorkloadReport;
    try {
      report = await runWorkload(pool, { seed: 13, rate: 0, durationSeconds: 2, anchorMs });
    } finally {
      clearInterval(kill);
      await killer.end();
    }
    expect(killed).toBeGreaterThan(0);
    expect(report.retries).toBeGreaterThan(0);
    expect(report.transactions).toBeGreaterThan(0);
    await expectReportMatchesDatabase(report);
  });

  it('stops between transactions when signalled', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const report = await runWorkload(pool, { seed: 21, rate: 50, anchorMs }, { signal: stop.signal });
    expect(report.stoppedBy).toBe('signal');
    expect(report.transactions).toBeGreaterThan(0);
    await expectReportMatchesDatabase(report);
  });
});
