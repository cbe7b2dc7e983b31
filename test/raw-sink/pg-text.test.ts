/**
 * Decoded Avro values → PostgreSQL text, checked by PostgreSQL itself: each text must parse as the raw column
 * type to exactly the source value (compared in PostgreSQL's own output form). Into a wider raw column (an
 * older schema replayed), a timestamp or a date means the same instant whatever the session's TimeZone.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimalSchema, PgTextValue, sharedNamedTypes, unchangedToastValue } from '../../lib/avro/index.ts';
import { formatSqlType, parseSqlType, type SqlType } from '../../lib/postgres/index.ts';
import { unchanged, writerFor } from '../../services/raw-sink/values/pg-text.ts';
import { requireEnv } from '../support/names.ts';

const timestamp = { type: 'long', logicalType: 'timestamp-micros' };
const cases: { name: string; schema: unknown; value: unknown; sqlType: string; expected: string }[] = [
  {
    name: 'bigint beyond 2^53',
    schema: 'long',
    value: 9_223_372_036_854_775_807n,
    sqlType: 'bigint',
    expected: '9223372036854775807',
  },
  {
    name: 'numeric',
    schema: decimalSchema(30, 10),
    value: '-12345678901234567890.0123456789',
    sqlType: 'numeric(30,10)',
    expected: '-12345678901234567890.0123456789',
  },
  {
    name: 'numeric NaN',
    schema: [decimalSchema(12, 2), sharedNamedTypes['cdc.SpecialNumeric']],
    value: 'NaN',
    sqlType: 'numeric',
    expected: 'NaN',
  },
  {
    name: 'double',
    schema: 'double',
    value: 0.1 + 0.2,
    sqlType: 'double precision',
    expected: '0.30000000000000004',
  },
  { name: 'double -0', schema: 'double', value: -0, sqlType: 'double precision', expected: '-0' },
  {
    name: 'double -Infinity',
    schema: 'double',
    value: Number.NEGATIVE_INFINITY,
    sqlType: 'double precision',
    expected: '-Infinity',
  },
  {
    name: 'timestamptz with micros',
    schema: timestamp,
    value: 1_700_000_000_123_456n,
    sqlType: 'timestamptz',
    expected: '2023-11-14 22:13:20.123456+00',
  },
  {
    name: 'timestamp BC',
    schema: { type: 'long', logicalType: 'local-timestamp-micros' },
    value: -62_167_219_200_000_000n,
    sqlType: 'timestamp',
    expected: '0001-01-01 00:00:00 BC',
  },
  {
    name: 'timestamp infinity',
    schema: [timestamp, sharedNamedTypes['cdc.SpecialTemporal']],
    value: '-infinity',
    sqlType: 'timestamptz',
    expected: '-infinity',
  },
  {
    name: 'date',
    schema: { type: 'int', logicalType: 'date' },
    value: -1,
    sqlType: 'date',
    expected: '1969-12-31',
  },
  {
    name: 'time 24:00',
    schema: { type: 'long', logicalType: 'time-micros' },
    value: 86_400_000_000n,
    sqlType: 'time',
    expected: '24:00:00',
  },
  {
    name: 'uuid',
    schema: { type: 'string', logicalType: 'uuid' },
    value: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    sqlType: 'uuid',
    expected: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  },
  {
    name: 'bytea',
    schema: 'bytes',
    value: Buffer.from([0, 255, 92, 39]),
    sqlType: 'bytea',
    expected: '\\x00ff5c27',
  },
  { name: 'boolean', schema: 'boolean', value: false, sqlType: 'boolean', expected: 'false' },
  {
    name: 'jsonb',
    schema: 'string',
    value: '{"a": [1, "\\"q\\""]}',
    sqlType: 'jsonb',
    expected: '{"a": [1, "\\"q\\""]}',
  },
  {
    name: 'unicode text',
    schema: 'string',
    value: 'héllo ✓ 🐘\ttab',
    sqlType: 'text',
    expected: 'héllo ✓ 🐘\ttab',
  },
  {
    name: 'text array with quotes, NULL and braces',
    schema: { type: 'array', items: ['null', 'string'] },
    value: ['a"b', null, '{x}', 'back\\slash', ''],
    sqlType: 'text[]',
    expected: '{"a\\"b",NULL,"{x}","back\\\\slash",""}',
  },
  {
    name: 'empty array',
    schema: { type: 'array', items: ['null', 'long'] },
    value: [],
    sqlType: 'bigint[]',
    expected: '{}',
  },
  {
    name: 'nested array',
    schema: { type: 'array', items: ['null', 'int'] },
    value: [
      [1, 2],
      [3, null],
    ],
    sqlType: 'integer[]',
    expected: '{{1,2},{3,NULL}}',
  },
  {
    name: 'exact text of a 2-dimensional array in an int[] field',
    schema: [{ type: 'array', items: ['null', 'int'] }, sharedNamedTypes['cdc.PgText']],
    value: new PgTextValue('{{1,2},{3,4}}'),
    sqlType: 'integer[]',
    expected: '{{1,2},{3,4}}',
  },
  {
    name: 'exact text of an array with a lower bound of 0',
    schema: [{ type: 'array', items: ['null', 'string'] }, sharedNamedTypes['cdc.PgText']],
    value: new PgTextValue('[0:1]={"a,b",NULL}'),
    sqlType: 'text[]',
    expected: '[0:1]={"a,b",NULL}',
  },
  {
    name: 'exact text of a timestamptz in year 294250',
    schema: [timestamp, sharedNamedTypes['cdc.SpecialTemporal'], sharedNamedTypes['cdc.PgText']],
    value: new PgTextValue('294250-06-01 10:00:00.5+00'),
    sqlType: 'timestamptz',
    expected: '294250-06-01 10:00:00.5+00',
  },
];

describe('Avro values as PostgreSQL text', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: requireEnv('DATABASE_URL_ANALYTICS') });
    await client.connect();
    await client.query("SET TimeZone = 'UTC'");
  });

  afterAll(async () => {
    await client?.end();
  });

  it.each(cases)('$name', async ({ schema, value, sqlType, expected }) => {
    const text = writerFor(['null', ...(Array.isArray(schema) ? schema : [schema])] as never)(value);
    expect(typeof text).toBe('string');
    const { rows } = await client.query<{ parsed: string }>(`SELECT $1::${sqlType}::text AS parsed`, [text]);
    expect(rows[0]?.parsed).toBe(expected);
  });

  it('keeps null and unchanged TOAST apart from every value', () => {
    const write = writerFor(['null', 'string', sharedNamedTypes['cdc.UnchangedToast']] as never);
    expect(write(null)).toBeNull();
    expect(write(unchangedToastValue)).toBe(unchanged);
    expect(write('UNCHANGED_TOAST')).toBe('UNCHANGED_TOAST');
  });

  it('writes exact text as is; the typed branch still writes typed values', () => {
    const write = writerFor([
      'null',
      { type: 'array', items: ['null', 'int'] },
      sharedNamedTypes['cdc.PgText'],
      sharedNamedTypes['cdc.UnchangedToast'],
    ] as never);
    expect(write(new PgTextValue('[0:1]={7,8}'))).toBe('[0:1]={7,8}');
    expect(write([7, 8])).toBe('{"7","8"}');
    expect(write(unchangedToastValue)).toBe(unchanged);
  });

  it('names the expected type, never the value, when a value does not fit', () => {
    expect(() => writerFor(['null', 'long'] as never)('secret-value')).toThrow(
      /expected a long, got a string/,
    );
    expect(() => writerFor(['null', 'long'] as never)('secret-value')).not.toThrow(/secret/);
  });
});

/** Older writer types into wider raw columns whose text must say its zone (schema/widening.ts). */
const localTimestamp = { type: 'long', logicalType: 'local-timestamp-micros' };
const date = { type: 'int', logicalType: 'date' };
const widened: { name: string; schema: unknown; value: unknown; into: string; expected: string }[] = [
  {
    name: 'timestamp into timestamptz: taken as UTC',
    schema: localTimestamp,
    value: 1_700_000_000_123_456n,
    into: 'timestamp with time zone',
    expected: '2023-11-14 22:13:20.123456+00',
  },
  {
    name: 'timestamp BC into timestamptz',
    schema: localTimestamp,
    value: -62_167_219_200_000_000n,
    into: 'timestamp(6) with time zone',
    expected: '0001-01-01 00:00:00+00 BC',
  },
  {
    name: 'timestamp infinity into timestamptz',
    schema: [localTimestamp, sharedNamedTypes['cdc.SpecialTemporal']],
    value: 'infinity',
    into: 'timestamp with time zone',
    expected: 'infinity',
  },
  {
    name: 'date into timestamptz: midnight UTC',
    schema: date,
    value: -1,
    into: 'timestamp with time zone',
    expected: '1969-12-31 00:00:00+00',
  },
  {
    name: 'date BC into timestamptz',
    schema: date,
    value: -719_163, // 0001-12-31 BC, the day before 0001-01-01
    into: 'timestamp with time zone',
    expected: '0001-12-31 00:00:00+00 BC',
  },
  {
    name: 'date -infinity into timestamptz',
    schema: [date, sharedNamedTypes['cdc.SpecialTemporal']],
    value: '-infinity',
    into: 'timestamp with time zone',
    expected: '-infinity',
  },
  {
    name: 'date into timestamp: midnight',
    schema: date,
    value: 19_782, // 2024-02-29
    into: 'timestamp(0) without time zone',
    expected: '2024-02-29 00:00:00',
  },
  {
    name: 'timestamp into text: its own text form',
    schema: localTimestamp,
    value: 1_700_000_000_123_456n,
    into: 'text',
    expected: '2023-11-14 22:13:20.123456',
  },
  {
    name: 'int into bigint: as it is',
    schema: 'int',
    value: -2_147_483_648,
    into: 'bigint',
    expected: '-2147483648',
  },
];

describe('older writer types into wider raw columns, in a session that is not UTC', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({
      connectionString: requireEnv('DATABASE_URL_ANALYTICS'),
      options: '-c TimeZone=Asia/Kolkata',
    });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  it.each(widened)('$name', async ({ schema, value, into, expected }) => {
    const type = parseSqlType(into) as SqlType;
    const write = writerFor(
      ['null', ...(Array.isArray(schema) ? schema : [schema])] as never,
      new Map(),
      type,
    );
    const text = write(value);
    expect(text).toBe(expected);
    // Cast from text in the Kolkata session, as the MERGE does, then read back in UTC.
    await client.query('DROP TABLE IF EXISTS pg_temp.landed');
    await client.query(`CREATE TEMP TABLE landed (v ${formatSqlType(type)})`);
    await client.query(`INSERT INTO landed SELECT $1::text::${formatSqlType(type)}`, [text]);
    await client.query(`SET TimeZone = 'UTC'`);
    try {
      const { rows } = await client.query<{ v: string }>('SELECT v::text AS v FROM landed');
      expect(rows[0]?.v).toBe(expected);
    } finally {
      await client.query(`SET TimeZone = 'Asia/Kolkata'`);
    }
  });
});
