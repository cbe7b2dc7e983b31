/**
 * The committed raw-table migrations hold what the reviewed row schemas describe: after `dbmate up` on a fresh
 * analytics database, every connector's raw table has every schema column with its `cdc.sqlType`, the sink's
 * metadata columns, and the conflict columns as its primary key. A new connector without its migration fails
 * here (the fix: npm run raw -- migration <connector>).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allConnectors } from '../../connectors/index.ts';
import { rawColumnsOf, rawMetadataColumns } from '../../lib/raw/raw-table.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { repoRoot } from '../../scripts/stack/topology.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

const schema = (name: string, part: 'key' | 'value') =>
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'tables', `${name}.${part}.avsc.json`), 'utf8'));

describe('raw table migrations', () => {
  let database: ScratchDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createScratchDatabase('raw_migrations', ['cdc_sink', 'cdc_transform']);
    const url = database.url('DATABASE_URL_ANALYTICS');
    const result = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(result.code, result.output).toBe(0);
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it.each(allConnectors.map((connector) => [connector.name, connector] as const))(
    'analytics_raw table of %s matches its reviewed schema',
    async (name, connector) => {
      const { rows } = await client.query<{ column_name: string; type: string }>(
        `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a
          WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attnum`,
        [`analytics_raw."${connector.destination.table}"`],
      );
      const actual = new Map(rows.map((row) => [row.column_name, row.type]));
      expect(actual.size, `analytics_raw.${connector.destination.table} is missing`).toBeGreaterThan(0);
      const normalise = (type: string) =>
        (
          ({ bigint: 'bigint', int8: 'bigint', timestamptz: 'timestamp with time zone' }) as Record<
            string,
            string
          >
        )[type] ?? type;
      for (const column of rawColumnsOf(schema(name, 'value'), name)) {
        expect(actual.get(column.name), column.name).toBe(normalise(column.sqlType));
      }
      for (const column of rawMetadataColumns) {
        expect(actual.get(column.name), column.name).toBe(normalise(column.sqlType));
      }
      const key = await client.query<{ column_name: string }>(
        `SELECT a.attname AS column_name
           FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = to_regclass($1) AND i.indisprimary`,
        [`analytics_raw."${connector.destination.table}"`],
      );
      const expectedKey =
        connector.destination.conflictColumns ?? rawColumnsOf(schema(name, 'key'), name).map((c) => c.name);
      expect(key.rows.map((row) => row.column_name).sort()).toEqual([...expectedKey].sort());
    },
  );
});
