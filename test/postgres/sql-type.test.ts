/**
 * The type-name parser: what `format_type` prints parses and prints back the same; the catalog spellings are
 * normalised; anything else (statements, comments, quotes out of place, out-of-range modifiers, very long
 * input) does not parse. Against PostgreSQL: every column type of a table with every spelling round-trips,
 * each printed type is one PostgreSQL accepts, and a hostile name that does parse (a quoted identifier) stays
 * one identifier: PostgreSQL reports an unknown type, never a syntax error.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSqlType, parseSqlType, type SqlType, sameSqlType } from '../../lib/postgres/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';

const formatted = (text: string) => {
  const type = parseSqlType(text);
  return type && formatSqlType(type);
};

describe('SQL type names', () => {
  it('parses what format_type prints and prints it back the same', () => {
    for (const name of [
      'smallint',
      'integer',
      'bigint',
      'real',
      'double precision',
      'numeric',
      'numeric(12,2)',
      'numeric(5,-2)',
      'numeric(3,5)',
      'boolean',
      'text',
      'character varying',
      'character varying(50)',
      'character(1)',
      'bpchar',
      '"char"',
      'bytea',
      'date',
      'time without time zone',
      'time(3) with time zone',
      'timestamp(0) without time zone',
      'timestamp with time zone',
      'interval',
      'interval(3)',
      'interval year to month',
      'interval day to second(2)',
      'interval second(4)',
      'bit(3)',
      'bit varying(7)',
      'uuid',
      'jsonb',
      'pg_lsn',
      'integer[]',
      'character varying(10)[]',
      'timestamp(3) with time zone[]',
      'text[][]',
      '"char"[]',
    ]) {
      expect(formatted(name), name).toBe(name);
    }
  });

  it('takes user types as identifiers, quoted when printed', () => {
    expect(parseSqlType('mood')).toEqual({
      base: { kind: 'user', schema: undefined, name: 'mood' },
      modifiers: [],
      intervalFields: undefined,
      dimensions: 0,
    });
    expect(formatted('mood')).toBe('"mood"');
    expect(formatted('public.mood[]')).toBe('"public"."mood"[]');
    expect(formatted('"Odd Schema"."My ""Type"""')).toBe('"Odd Schema"."My ""Type"""');
    expect(formatted('"zoë"')).toBe('"zoë"');
    expect(formatted('"char".x')).toBe('"char"."x"'); // a schema named char, not the "char" type
  });

  it('normalises the catalog spellings of the built-ins to format_type', () => {
    const spellings: [string, string][] = [
      ['int2', 'smallint'],
      ['int4', 'integer'],
      ['int', 'integer'],
      ['int8', 'bigint'],
      ['float4', 'real'],
      ['float8', 'double precision'],
      ['bool', 'boolean'],
      ['decimal(5,2)', 'numeric(5,2)'],
      ['numeric(10)', 'numeric(10,0)'],
      ['numeric(10, 2)', 'numeric(10,2)'],
      ['varchar', 'character varying'],
      ['varchar(10)', 'character varying(10)'],
      ['char', 'character(1)'],
      ['char(5)', 'character(5)'],
      ['character', 'character(1)'],
      ['bit', 'bit(1)'],
      ['varbit(4)', 'bit varying(4)'],
      ['time', 'time without time zone'],
      ['timetz(2)', 'time(2) with time zone'],
      ['timestamp', 'timestamp without time zone'],
      ['timestamp(3)', 'timestamp(3) without time zone'],
      ['timestamptz', 'timestamp with time zone'],
      ['timestamptz(6)[]', 'timestamp(6) with time zone[]'],
    ];
    for (const [spelling, canonical] of spellings) expect(formatted(spelling), spelling).toBe(canonical);
    expect(sameSqlType(parseSqlType('int4') as SqlType, parseSqlType('integer') as SqlType)).toBe(true);
    expect(sameSqlType(parseSqlType('timestamp') as SqlType, parseSqlType('timestamptz') as SqlType)).toBe(
      false,
    );
  });

  it('refuses anything that is not a type name, hostile strings included', () => {
    for (const text of [
      '',
      ' ',
      'integer; DROP TABLE x',
      'integer;',
      'integer --',
      'integer -- comment',
      'integer/*x*/',
      '/* x */ integer',
      "text' OR '1'='1",
      'text\nDROP TABLE x',
      'integer\t',
      'INTEGER',
      'Integer',
      'integer integer',
      'integer(3)',
      'text(5)',
      'mood(3)',
      'numeric(0,0)',
      'numeric(1001,0)',
      'numeric(10,2,1)',
      'numeric(10,1001)',
      'numeric(12,2',
      'numeric(12,)',
      'numeric(-1)',
      'numeric(1e3)',
      'numeric(99999999999)',
      'character varying(0)',
      'character varying(10485761)',
      'timestamp(7)',
      'time with',
      'timestamp with time',
      'interval year(3)',
      'interval century',
      'text[3]',
      'text[',
      'text[][][][][][][]',
      'a.b.c',
      'public.',
      '.mood',
      '"unterminated',
      '""',
      '"a\u0000b"',
      '"a\u0007b"',
      `"${'x'.repeat(64)}"`,
      'x'.repeat(64),
      'x'.repeat(10_000),
      'pg_catalog.int4(3)',
      '$1',
      'integer::text',
      'integer) DROP',
      "E'\\x'",
    ]) {
      expect(parseSqlType(text), JSON.stringify(text)).toBeUndefined();
    }
    expect(parseSqlType(undefined)).toBeUndefined();
    expect(parseSqlType(42)).toBeUndefined();
    expect(parseSqlType({ toString: () => 'integer' })).toBeUndefined();
  });
});

describe('SQL type names against PostgreSQL', () => {
  let database: ScratchDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createScratchDatabase('sql_type');
    client = new pg.Client({ connectionString: database.url() });
    await client.connect();
    await client.query(`
      CREATE TYPE mood AS ENUM ('sad', 'happy');
      CREATE SCHEMA "Odd Schema";
      CREATE TYPE "Odd Schema"."My ""Type""" AS ENUM ('a');
      CREATE DOMAIN price AS numeric(10,2);
      CREATE TABLE spellings (
        c1 smallint, c2 int, c3 int8, c4 float4, c5 float8, c6 numeric, c7 decimal(12,2), c8 numeric(5,-2),
        c9 boolean, c10 text, c11 varchar, c12 varchar(50), c13 char(5), c14 char, c15 bpchar, c16 "char",
        c17 name, c18 bytea, c19 date, c20 time, c21 time(3), c22 timetz, c23 timetz(0), c24 timestamp,
        c25 timestamp(3), c26 timestamptz, c27 timestamptz(6), c28 interval, c29 interval(3),
        c30 interval year to month, c31 interval day to second(2), c32 interval second(4), c33 interval hour,
        c34 uuid, c35 json, c36 jsonb, c37 xml, c38 money, c39 inet, c40 cidr, c41 macaddr, c42 macaddr8,
        c43 bit(3), c44 bit varying(7), c45 varbit, c46 oid, c47 pg_lsn, c48 tsvector, c49 tsquery, c50 point,
        c51 box, c52 int4range, c53 tstzrange, c54 int4multirange, c55 int[], c56 text[][], c57 varchar(10)[],
        c58 timestamptz(3)[], c59 mood, c60 mood[], c61 "Odd Schema"."My ""Type""", c62 price, c63 numeric(3,5),
        c64 "char"[], c65 bit
      );`);
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  async function columnTypes(): Promise<string[]> {
    const { rows } = await client.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = 'spellings'::regclass AND attnum > 0 ORDER BY attnum`,
    );
    return rows.map((row) => row.type);
  }

  it('parses every column type format_type prints, and prints the built-ins back the same', async () => {
    const types = await columnTypes();
    expect(types).toHaveLength(65);
    for (const type of types) {
      const parsed = parseSqlType(type);
      expect(parsed, type).toBeDefined();
      if (parsed?.base.kind === 'builtin') expect(formatSqlType(parsed), type).toBe(type);
    }
    expect(types.filter((type) => parseSqlType(type)?.base.kind === 'user').map(formatted)).toEqual([
      '"mood"',
      '"mood"[]',
      '"Odd Schema"."My ""Type"""',
      '"price"',
    ]);
  });

  it('prints types PostgreSQL takes as the same types', async () => {
    for (const type of await columnTypes()) {
      const printed = formatted(type) as string;
      const { rows } = await client.query<{ type: string }>(
        `SELECT format_type(pg_typeof(NULL::${printed})::oid, NULL) AS type`,
      );
      // format_type without a typmod: compare the base names (the cast to a typmod keeps the base type).
      const { rows: expected } = await client.query<{ type: string }>(
        `SELECT format_type(atttypid, NULL) AS type FROM pg_attribute
          WHERE attrelid = 'spellings'::regclass AND format_type(atttypid, atttypmod) = $1 LIMIT 1`,
        [type],
      );
      expect(rows[0]?.type, printed).toBe(expected[0]?.type);
    }
  });

  it('keeps a hostile name that parses one identifier: an unknown type, never a syntax error', async () => {
    for (const hostile of ['"x"";DROP TABLE spellings;--"', '"a"".""b"', 'public."x) ; SELECT (1"']) {
      const printed = formatted(hostile);
      expect(printed, hostile).toBeDefined();
      await expect(client.query(`SELECT NULL::${printed}`)).rejects.toMatchObject({ code: '42704' });
    }
    const { rows } = await client.query("SELECT to_regclass('spellings') IS NOT NULL AS present");
    expect(rows[0]?.present).toBe(true);
  });
});
