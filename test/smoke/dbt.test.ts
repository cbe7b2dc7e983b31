/** Smoke: dbt, from the project's virtual environment, connects to a fresh analytics database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbt } from '../../scripts/dbt/run.ts';
import { createScratchDatabase, type ScratchDatabase, withDatabase } from '../support/databases.ts';
import { requireEnv } from '../support/names.ts';

describe('dbt', () => {
  let database: ScratchDatabase;

  beforeAll(async () => {
    database = await createScratchDatabase('smoke_dbt', ['cdc_transform', 'cdc_sink']);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('dbt debug passes against the analytics database', async () => {
    const baseUrl = process.env.DBT_DATABASE_URL ?? requireEnv('DATABASE_URL_ANALYTICS');
    const result = await runDbt({
      args: ['debug'],
      databaseUrl: withDatabase(baseUrl, database.name),
      venv: process.env.DBT_VENV,
      capture: true,
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('All checks passed');
  });

  it('dbt debug fails, naming the problem, when the database does not exist', async () => {
    const baseUrl = process.env.DBT_DATABASE_URL ?? requireEnv('DATABASE_URL_ANALYTICS');
    const result = await runDbt({
      args: ['debug'],
      databaseUrl: withDatabase(baseUrl, `${database.name}_missing`),
      venv: process.env.DBT_VENV,
      capture: true,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/does not exist/);
  });
});
