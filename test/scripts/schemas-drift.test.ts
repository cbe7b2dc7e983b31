/**
 * The reviewed schema snapshots in schemas/tables/ match what the reader generates from the core migrations,
 * and a column added at the source is reported as drift.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { compareRowSchemas } from '../../scripts/schemas/drift.ts';
import { repoRoot } from '../../scripts/stack/topology.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { requireEnv } from '../support/names.ts';

const record = (fields: { name: string; type: string | string[]; doc?: string }[]) => ({
  type: 'record' as const,
  name: 'Value',
  namespace: 'core.public.t',
  fields,
});

describe('schema drift', () => {
  it('names added, removed and changed fields', () => {
    const reviewed = record([
      { name: 'id', type: 'long', doc: 'id: bigint' },
      { name: 'title', type: ['null', 'string'], doc: 'title: text' },
      { name: 'gone', type: ['null', 'int'], doc: 'gone: integer' },
    ]);
    const live = record([
      { name: 'id', type: 'long', doc: 'id: bigint' },
      { name: 'title', type: ['null', 'string'], doc: 'title: character varying(80)' },
      { name: 'city', type: ['null', 'string'], doc: 'city: text' },
    ]);
    expect(compareRowSchemas(reviewed, live)).toEqual([
      { field: 'title', change: 'changed' },
      { field: 'city', change: 'added' },
      { field: 'gone', change: 'removed' },
    ]);
    expect(compareRowSchemas(reviewed, reviewed)).toEqual([]);
  });

  describe('against a freshly migrated core database', () => {
    let database: ScratchDatabase;

    beforeAll(async () => {
      database = await createScratchDatabase('schemas_core');
      const migrated = await runDbmate({ target: 'core', url: database.url(), args: ['up'], capture: true });
      expect(migrated.code, migrated.output).toBe(0);
    });

    afterAll(async () => {
      await database?.drop();
    });

    const check = () =>
      spawnSync(
        path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
        [path.join(repoRoot, 'scripts/schemas/main.ts'), 'check'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            DATABASE_URL_CORE: database.url('DATABASE_URL_CORE'),
            KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );

    it('finds no drift, then reports a column added at the source', async () => {
      const clean = check();
      expect(clean.status, clean.stdout + clean.stderr).toBe(0);
      expect(clean.stdout).toContain('no drift');
      const owner = new pg.Client({ connectionString: database.url() });
      await owner.connect();
      await owner.query('ALTER TABLE missions ADD COLUMN external_url text');
      await owner.end();
      const drifted = check();
      expect(drifted.status).toBe(1);
      expect(drifted.stdout).toContain('missions value: external_url added');
    });
  });
});
