/** Smoke: dbmate migrates a fresh analytics database as the sink role, and a second run changes nothing. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

describe('analytics migrations', () => {
  let database: ScratchDatabase;

  beforeAll(async () => {
    database = await createScratchDatabase('smoke_analytics', ['cdc_sink', 'cdc_transform']);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('creates analytics_raw and the cursor table, owned by the sink role, and re-runs as a no-op', async () => {
    const url = database.url('DATABASE_URL_ANALYTICS');
    const first = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/Applying: 2026\d+_create_schemas\.sql/);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const schemas = await client.query<{ nspname: string; owner: string }>(
        `SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN ('analytics_raw', 'cdc') ORDER BY 1`,
      );
      expect(schemas.rows).toEqual([
        { nspname: 'analytics_raw', owner: 'cdc_sink' },
        { nspname: 'cdc', owner: 'cdc_sink' },
      ]);
      // The cursor accepts a row and enforces its key.
      await client.query(
        `INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ('g', 't', 0, 10)`,
      );
      await expect(
        client.query(
          `INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ('g', 't', 0, 11)`,
        ),
      ).rejects.toThrow(/duplicate key/);
      await expect(
        client.query(
          `INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ('g', 't', 1, -1)`,
        ),
      ).rejects.toThrow(/check constraint/);
      const transformCanRead = await client.query<{ allowed: boolean }>(
        `SELECT has_schema_privilege('cdc_transform', 'analytics_raw', 'USAGE') AS allowed`,
      );
      expect(transformCanRead.rows[0]?.allowed).toBe(true);
    } finally {
      await client.end();
    }

    const second = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(second.code, second.output).toBe(0);
    expect(second.output).not.toMatch(/Applying/);
  });
});
