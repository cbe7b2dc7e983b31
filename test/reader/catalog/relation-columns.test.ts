/**
 * Column definitions from a relation message's own types (catalog/relation-columns.ts) and the choice of which
 * columns need one (pipeline/captured-table.ts): the pure parts with hand-made facts, then against a real
 * PostgreSQL 15, where a column described from its type alone must match the catalog's own description.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogColumn,
  type CatalogTable,
  describeRelationColumns,
  droppedTypeName,
  loadTableDefinition,
  relationColumn,
} from '../../../services/replication-reader/catalog/index.ts';
import type { ResolvedType } from '../../../services/replication-reader/catalog/queries.ts';
import {
  alignWithRelation,
  columnsToDescribe,
} from '../../../services/replication-reader/pipeline/captured-table.ts';
import type { Relation } from '../../../services/replication-reader/replication/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';

const resolved = (oid: number, name: string, extra: Partial<ResolvedType> = {}): [number, ResolvedType] => [
  oid,
  {
    baseOid: oid,
    baseName: name,
    baseTypeType: 'b',
    baseLength: -1,
    isDomain: false,
    domainModifier: undefined,
    elementOid: undefined,
    storage: 'x',
    delimiter: ',',
    ...extra,
  },
];

describe('relationColumn (pure)', () => {
  it('describes a column from its type: nullable, one dimension, toastable by the type storage', () => {
    const types = new Map([
      resolved(1007, '_int4', { elementOid: 23 }),
      resolved(23, 'int4', { baseLength: 4, storage: 'p' }),
    ]);
    const column = relationColumn(
      { name: 'ints', typeOid: 1007, typeModifier: -1 },
      { types, labels: new Map(), formattedType: 'integer[]' },
      ['id'],
      'public.t',
    );
    expect(column).toEqual({
      name: 'ints',
      typeOid: 1007,
      typeName: '_int4',
      formattedType: 'integer[]',
      typeModifier: -1,
      columnTypeModifier: -1,
      kind: 'array',
      elementTypeOid: 23,
      elementTypeName: 'int4',
      elementDelimiter: ',',
      nullable: true,
      isKey: false,
      toastable: true,
      arrayDimensions: 1,
    });
    const plain = relationColumn(
      { name: 'id', typeOid: 23, typeModifier: -1 },
      { types, labels: new Map(), formattedType: 'integer' },
      ['id'],
      'public.t',
    );
    expect(plain).toMatchObject({ kind: 'base', typeName: 'int4', isKey: true, toastable: false });
  });

  it("takes a domain's modifier and an enum's labels", () => {
    const types = new Map([
      resolved(16500, 'numeric', { baseOid: 1700, isDomain: true, domainModifier: 655366 }),
      resolved(16600, 'mood', { baseTypeType: 'e', baseLength: 4, storage: 'p' }),
    ]);
    const labels = new Map([[16600, ['sad', 'happy']]]);
    expect(
      relationColumn(
        { name: 'price', typeOid: 16500, typeModifier: -1 },
        { types, labels, formattedType: 'price' },
        [],
        't',
      ),
    ).toMatchObject({ kind: 'domain', typeName: 'numeric', typeModifier: 655366, columnTypeModifier: -1 });
    expect(
      relationColumn(
        { name: 'm', typeOid: 16600, typeModifier: -1 },
        { types, labels, formattedType: 'mood' },
        [],
        't',
      ),
    ).toMatchObject({ kind: 'enum', enumLabels: ['sad', 'happy'] });
  });

  it('maps a type dropped since (or an array of one) as text', () => {
    const dropped = relationColumn(
      { name: 'gone', typeOid: 16700, typeModifier: -1 },
      { types: new Map(), labels: new Map(), formattedType: '???' },
      [],
      't',
    );
    expect(dropped).toMatchObject({
      typeName: 'text',
      formattedType: droppedTypeName,
      kind: 'base',
      nullable: true,
      toastable: true,
    });
    const arrayOfDropped = relationColumn(
      { name: 'gones', typeOid: 16701, typeModifier: -1 },
      {
        types: new Map([resolved(16701, '_gone', { elementOid: 16700 })]),
        labels: new Map(),
        formattedType: 'gone[]',
      },
      [],
      't',
    );
    expect(arrayOfDropped).toMatchObject({ typeName: 'text', formattedType: droppedTypeName });
  });
});

describe('which columns a relation message needs described (pure)', () => {
  const column = (name: string, typeOid: number, columnTypeModifier = -1): CatalogColumn => ({
    name,
    typeOid,
    typeName: name,
    formattedType: name,
    typeModifier: columnTypeModifier,
    columnTypeModifier,
    kind: 'base',
    nullable: false,
    isKey: name === 'id',
    toastable: false,
    arrayDimensions: 1,
  });
  const catalog: CatalogTable = {
    schema: 'public',
    table: 't',
    relationOid: 16400,
    columns: [column('id', 20), column('n', 20), column('label', 1043, 24)],
    keyColumns: ['id'],
    replicaIdentity: 'default',
  };
  const relation = (columns: [string, number, number][]): Relation => ({
    schema: 'public',
    table: 't',
    relationOid: 16400,
    replicaIdentity: 'full',
    keyColumns: ['id'],
    columns: columns.map(([name, typeOid, typeModifier]) => ({
      name,
      typeOid,
      typeModifier,
      isKey: name === 'id',
    })),
  });

  it("takes the catalog's column when it has the relation's type, and describes the others", () => {
    // Before ALTER n TYPE bigint, label TYPE varchar(20), DROP old: the relation says int4, varchar(10).
    const behind = relation([
      ['id', 20, -1],
      ['n', 23, -1],
      ['label', 1043, 14],
      ['old', 25, -1],
    ]);
    expect(columnsToDescribe(catalog, behind, new Map()).map((wal) => wal.name)).toEqual([
      'n',
      'label',
      'old',
    ]);
    const described = new Map(
      ['n', 'label', 'old'].map((name) => [name, { ...column(name, 0), formattedType: `described ${name}` }]),
    );
    const aligned = alignWithRelation(catalog, behind, new Map(), described);
    expect(aligned.columns.map((c) => c.formattedType)).toEqual([
      'id',
      'described n',
      'described label',
      'described old',
    ]);
    expect(aligned.replicaIdentity).toBe('full');
    // An earlier description with the relation's type is kept (declared dimensions, storage).
    const known = new Map([['n', { ...column('n', 23), formattedType: 'known n' }]]);
    expect(columnsToDescribe(catalog, behind, known).map((wal) => wal.name)).toEqual(['label', 'old']);
    expect(alignWithRelation(catalog, behind, known, described).columns[1]?.formattedType).toBe('known n');
    // Up to date: nothing to describe.
    expect(
      columnsToDescribe(
        catalog,
        relation([
          ['id', 20, -1],
          ['n', 20, -1],
          ['label', 1043, 24],
        ]),
        new Map(),
      ),
    ).toEqual([]);
  });
});

describe('describeRelationColumns (PostgreSQL)', () => {
  let database: ScratchDatabase;
  let reader: pg.Client;

  beforeAll(async () => {
    database = await createScratchDatabase('relation_columns');
    const owner = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE_OWNER') });
    await owner.connect();
    await owner.query(`
      CREATE TYPE mood AS ENUM ('sad', 'happy');
      CREATE DOMAIN price AS numeric(10,2);
      CREATE TYPE pair AS (a int, b text);
      CREATE TABLE things (
        id bigint PRIMARY KEY, n integer, label varchar(10), amount numeric(12,2), at timestamp(3),
        at_tz timestamptz, m mood, ms mood[], p price, ps price[], tags text[], boxes box[], pr pair,
        span int4range, doc jsonb
      );`);
    await owner.end();
    reader = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE') });
    await reader.connect();
  });

  afterAll(async () => {
    await reader?.end();
    await database?.drop();
  });

  it("matches the catalog's description of every column, but for what a relation message cannot say", async () => {
    const table = await loadTableDefinition(reader, 'public', 'things');
    const described = await describeRelationColumns(
      reader,
      table.columns.map((column) => ({
        name: column.name,
        typeOid: column.typeOid,
        typeModifier: column.columnTypeModifier,
      })),
      table.keyColumns,
      'public.things',
    );
    // Nullability is unknown (every row field is nullable anyway) and so are the declared dimensions.
    expect(described).toEqual(table.columns.map((column) => ({ ...column, nullable: true })));
    expect(described.find((column) => column.name === 'boxes')?.elementDelimiter).toBe(';');
    expect(described.find((column) => column.name === 'tags')?.elementDelimiter).toBe(',');
  });

  it('describes a type that does not exist (any more) as text', async () => {
    const [column] = await describeRelationColumns(
      reader,
      [{ name: 'g', typeOid: 4_000_000_000, typeModifier: -1 }],
      [],
      'public.things',
    );
    expect(column).toMatchObject({
      name: 'g',
      typeName: 'text',
      formattedType: droppedTypeName,
      nullable: true,
    });
  });
});
