/** The catalog loader against a real PostgreSQL 15, as the reader role. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import {
  type CatalogColumn,
  loadConnectorTable,
  loadTableDefinition,
} from '../../../services/replication-reader/catalog/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';

describe('loadTableDefinition', () => {
  let database: ScratchDatabase;
  let reader: pg.Client;

  beforeAll(async () => {
    database = await createScratchDatabase('catalog');
    const owner = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE_OWNER') });
    await owner.connect();
    await owner.query(`
      CREATE SCHEMA app;
      CREATE TYPE app.mood AS ENUM ('sad', 'happy');
      ALTER TYPE app.mood ADD VALUE 'ok' BEFORE 'happy';
      CREATE DOMAIN app.money2 AS numeric(10,2) CHECK (VALUE >= 0);
      CREATE DOMAIN app.positive_money AS app.money2;
      CREATE DOMAIN app.email AS text;
      CREATE TYPE app.pair AS (a int, b text);
      CREATE TABLE app.things (
        b text NOT NULL,
        a int NOT NULL,
        gone int,
        amount numeric(12,2),
        free numeric,
        mood app.mood,
        moods app.mood[],
        price app.positive_money,
        prices app.money2[],
        email app.email,
        grid int[][],
        tags text[],
        pair app.pair,
        span int4range,
        plain_text text,
        at timestamptz NOT NULL DEFAULT now(),
        flags int2vector,
        PRIMARY KEY (a, b)
      );
      ALTER TABLE app.things DROP COLUMN gone;
      ALTER TABLE app.things ALTER COLUMN plain_text SET STORAGE PLAIN;
      ALTER TABLE app.things REPLICA IDENTITY FULL;
      CREATE TABLE app.keyless (x int, y text);
      CREATE TABLE app.parted (id bigint PRIMARY KEY, v text) PARTITION BY RANGE (id);
      CREATE VIEW app.a_view AS SELECT 1 AS id;`);
    await owner.end();
    reader = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE') });
    await reader.connect();
  });

  afterAll(async () => {
    await reader?.end();
    await database?.drop();
  });

  const load = () => loadTableDefinition(reader, 'app', 'things');
  const byName = async () =>
    Object.fromEntries((await load()).columns.map((c) => [c.name, c])) as Record<string, CatalogColumn>;

  it('describes the table: attribute order, key in index order, replica identity', async () => {
    const table = await load();
    expect(table.schema).toBe('app');
    expect(table.relationOid).toBeGreaterThan(16000);
    expect(table.columns.map((c) => c.name)).toEqual([
      'b',
      'a',
      'amount',
      'free',
      'mood',
      'moods',
      'price',
      'prices',
      'email',
      'grid',
      'tags',
      'pair',
      'span',
      'plain_text',
      'at',
      'flags',
    ]);
    expect(table.keyColumns).toEqual(['a', 'b']);
    expect(table.replicaIdentity).toBe('full');
    expect(table.columns.filter((c) => c.isKey).map((c) => c.name)).toEqual(['b', 'a']);
  });

  it('resolves types: base, enum labels in sort order, arrays, domains, composites, ranges', async () => {
    const columns = await byName();
    expect(columns.a).toMatchObject({
      typeName: 'int4',
      kind: 'base',
      nullable: false,
      toastable: false,
      isKey: true,
    });
    expect(columns.amount).toMatchObject({
      typeName: 'numeric',
      formattedType: 'numeric(12,2)',
      toastable: true,
    });
    expect(columns.amount?.typeModifier).toBe(((12 << 16) | 2) + 4);
    expect(columns.free?.typeModifier).toBe(-1);
    expect(columns.mood).toMatchObject({
      kind: 'enum',
      typeName: 'mood',
      enumLabels: ['sad', 'ok', 'happy'],
    });
    expect(columns.moods).toMatchObject({
      kind: 'array',
      typeName: '_mood',
      elementTypeName: 'mood',
      enumLabels: ['sad', 'ok', 'happy'],
      arrayDimensions: 1,
    });
    expect(columns.price).toMatchObject({
      kind: 'domain',
      typeName: 'numeric',
      formattedType: 'app.positive_money',
      typeModifier: ((10 << 16) | 2) + 4,
    });
    expect(columns.prices).toMatchObject({
      kind: 'array',
      elementTypeName: 'numeric',
      typeModifier: ((10 << 16) | 2) + 4,
    });
    expect(columns.email).toMatchObject({ kind: 'domain', typeName: 'text', toastable: true });
    expect(columns.grid).toMatchObject({
      kind: 'array',
      elementTypeName: 'int4',
      elementTypeOid: 23,
      arrayDimensions: 2,
    });
    expect(columns.tags).toMatchObject({
      typeName: '_text',
      elementTypeName: 'text',
      formattedType: 'text[]',
    });
    expect(columns.pair).toMatchObject({ kind: 'composite', typeName: 'pair' });
    expect(columns.span).toMatchObject({ kind: 'range', typeName: 'int4range' });
    expect(columns.plain_text?.toastable).toBe(false);
    expect(columns.at).toMatchObject({ typeName: 'timestamptz', nullable: false, toastable: false });
    // int2vector's text form is space-separated, not an array literal: it stays a base type (text form).
    expect(columns.flags?.elementTypeName).toBeUndefined();
  });

  it('publishes the chosen columns plus the key columns; accepts a declared key', async () => {
    const table = await loadTableDefinition(reader, 'app', 'things', { columns: ['email', 'mood'] });
    expect(table.columns.map((c) => c.name)).toEqual(['b', 'a', 'mood', 'email']);
    const keyless = await loadTableDefinition(reader, 'app', 'keyless', { keyColumns: ['y', 'x'] });
    expect(keyless.keyColumns).toEqual(['y', 'x']);
    expect(keyless.columns.map((c) => [c.name, c.isKey])).toEqual([
      ['x', true],
      ['y', true],
    ]);
    expect((await loadTableDefinition(reader, 'app', 'parted')).keyColumns).toEqual(['id']);
  });

  it.each([
    ['app', 'missing', {}, /app\.missing: does not exist/],
    ['app', 'a_view', {}, /does not exist \(or is not a table\)/],
    ['app', 'keyless', {}, /no primary key/],
    ['app', 'things', { keyColumns: ['nope'] }, /no column "nope"/],
    ['app', 'things', { columns: ['gone'] }, /no column "gone"/],
  ])('fails clearly for %s.%s %j', async (schema, table, options, message) => {
    const error = await loadTableDefinition(reader, schema, table, options).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toMatch(message);
  });

  it("applies a connector's key and column policy", async () => {
    const connector = (extra: Partial<ConnectorDefinition>): ConnectorDefinition => ({
      name: 'things',
      source: { schema: 'app', table: 'things' },
      destination: { table: 'things' },
      ...extra,
    });
    const excluded = await loadConnectorTable(
      reader,
      connector({ columns: { mode: 'all', exclude: ['email', 'pair'] } }),
    );
    expect(excluded.columns.map((c) => c.name)).not.toContain('email');
    expect(excluded.columns).toHaveLength(14);
    const only = await loadConnectorTable(
      reader,
      connector({ columns: { mode: 'only', include: ['tags'] } }),
    );
    expect(only.columns.map((c) => c.name)).toEqual(['b', 'a', 'tags']);
    const keyed = await loadConnectorTable(
      reader,
      connector({ source: { schema: 'app', table: 'keyless' }, key: ['x'] }),
    );
    expect(keyed.keyColumns).toEqual(['x']);
    await expect(
      loadConnectorTable(reader, connector({ columns: { mode: 'all', exclude: ['a'] } })),
    ).rejects.toThrow(/cannot exclude key column/);
    await expect(
      loadConnectorTable(reader, connector({ columns: { mode: 'only', include: ['typo'] } })),
    ).rejects.toThrow(/connector things: unknown column\(s\) "typo"/);
  });
});
