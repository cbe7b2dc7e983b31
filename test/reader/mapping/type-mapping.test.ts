/**
 * Every PostgreSQL type through the mapping: text value → JS value → Avro bytes (with the generated schema)
 * → decoded value, compared with the exact expected value.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { avroType, PgTextValue, unchangedToastValue } from '../../../lib/avro/index.ts';
import {
  buildRowSchemas,
  createRowMapper,
  type MappingSecrets,
} from '../../../services/replication-reader/mapping/index.ts';
import type { TextRow } from '../../../services/replication-reader/model.ts';
import { column, connector, numericModifier, type TestColumn, table } from './fixtures.ts';

const id = column('id', 'int8', { nullable: false });

function through(
  columns: TestColumn[],
  row: TextRow,
  options: { connector?: Partial<ConnectorDefinition>; secrets?: MappingSecrets } = {},
) {
  const definition = table([id, ...columns]);
  const definitionConnector = connector(options.connector);
  const { rowSchema } = buildRowSchemas(definition, definitionConnector, { namespace: 'core.public.things' });
  const mapper = createRowMapper(definition, definitionConnector, options.secrets);
  const type = avroType(rowSchema);
  const mapped = mapper.row({ id: '1', ...row });
  const decoded = type.fromBuffer(type.toBuffer(mapped));
  expect(decoded).toEqual(mapped);
  return decoded as Record<string, unknown>;
}

/** Maps one value of one column and returns the decoded value. */
const one = (col: TestColumn, text: string | null) => through([col], { [col.name]: text })[col.name];

describe('integers and floats', () => {
  it('smallint/int → int, bigint → long (bigint) at the extremes', () => {
    expect(one(column('v', 'int2'), '-32768')).toBe(-32768);
    expect(one(column('v', 'int4'), '2147483647')).toBe(2147483647);
    expect(one(column('v', 'int8'), '9223372036854775807')).toBe(9223372036854775807n);
    expect(one(column('v', 'int8'), '-9223372036854775807')).toBe(-9223372036854775807n);
    expect(one(column('v', 'int8'), '-9223372036854775808')).toBe(-9223372036854775808n);
    expect(one(column('v', 'oid'), '4294967295')).toBe(4294967295n);
  });

  it('real/double keep NaN and ±Infinity', () => {
    expect(one(column('v', 'float8'), 'NaN')).toBeNaN();
    expect(one(column('v', 'float8'), 'Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(one(column('v', 'float8'), '-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(one(column('v', 'float8'), '1.7976931348623157e+308')).toBe(Number.MAX_VALUE);
    expect(one(column('v', 'float4'), '3.4028235e+38')).toBe(Math.fround(3.4028235e38));
    expect(one(column('v', 'float4'), '-Infinity')).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('numeric', () => {
  const fixed = column('v', 'numeric', { typeModifier: numericModifier(60, 10) });
  const free = column('v', 'numeric');

  it('numeric(p,s) → decimal(p,s), 40+ digits exact', () => {
    const value = '-12345678901234567890123456789012345678901234567890.0123456789';
    expect(one(fixed, value)).toBe(value);
    expect(one(fixed, '0.5')).toBe('0.5000000000');
    const { rowSchema } = buildRowSchemas(table([id, fixed]), connector(), { namespace: 'n' });
    expect(rowSchema.fields[1]?.type).toContainEqual({
      type: 'bytes',
      logicalType: 'decimal',
      precision: 60,
      scale: 10,
    });
  });

  it('numeric without precision → VariableScaleDecimal, each value with its own scale', () => {
    for (const value of ['1.50', '-0.000000000000000000000000000001', `${'7'.repeat(120)}`, '0']) {
      expect(one(free, value)).toBe(value);
    }
  });

  it('NaN and ±Infinity are explicit SpecialNumeric values, never null', () => {
    for (const col of [fixed, free]) {
      expect(one(col, 'NaN')).toBe('NaN');
      expect(one(col, 'Infinity')).toBe('Infinity');
      expect(one(col, '-Infinity')).toBe('-Infinity');
    }
  });

  it('numeric with a negative scale or scale above precision is carried exactly (variable scale)', () => {
    expect(one(column('v', 'numeric', { typeModifier: numericModifier(3, -2) }), '12300')).toBe('12300');
    expect(one(column('v', 'numeric', { typeModifier: numericModifier(3, 5) }), '0.00123')).toBe('0.00123');
  });
});

describe('text, bytes, uuid, json and the rest', () => {
  it('text types are strings: unicode, empty, 1 MB', () => {
    for (const type of ['text', 'varchar', 'bpchar', 'char', 'name', 'citext']) {
      expect(one(column('v', type), 'zoë 😀 ß 中文 \u0000'.replace('\u0000', ''))).toBe('zoë 😀 ß 中文 ');
    }
    expect(one(column('v', 'text'), '')).toBe('');
    const big = 'é'.repeat(512 * 1024);
    expect(one(column('v', 'text'), big)).toBe(big);
  });

  it('bytea → bytes', () => {
    expect(one(column('v', 'bytea'), '\\x00ff7f')).toEqual(Buffer.from([0, 255, 127]));
  });

  it('uuid → uuid string, lower case', () => {
    expect(one(column('v', 'uuid'), 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
  });

  it('json/jsonb → their text as PostgreSQL prints it', () => {
    const jsonb = '{"a": [1, 2.50, null], "é": {"nested": "x\\"y"}}';
    expect(one(column('v', 'jsonb'), jsonb)).toBe(jsonb);
    expect(one(column('v', 'json'), '{ "keep" :  "spacing" }')).toBe('{ "keep" :  "spacing" }');
  });

  it('boolean', () => {
    expect(one(column('v', 'bool'), 't')).toBe(true);
    expect(one(column('v', 'bool'), 'f')).toBe(false);
  });

  it('money, interval, inet, timetz, tsvector, point, ranges, composites, unknown types → their text form', () => {
    const cases: [string, string][] = [
      ['money', '$1,234.56'],
      ['interval', '1 year 2 mons 3 days 04:05:06.789'],
      ['inet', '192.168.0.1/24'],
      ['cidr', '10.0.0.0/8'],
      ['macaddr', '08:00:2b:01:02:03'],
      ['timetz', '10:00:00.123456+05:30'],
      ['tsvector', "'cat':3 'fat':2"],
      ['point', '(1.5,-2)'],
      ['int4range', '[1,10)'],
      ['xml', '<a>b</a>'],
      ['some_extension_type', 'anything at all'],
    ];
    for (const [type, text] of cases) expect(one(column('v', type), text)).toBe(text);
    expect(one(column('v', 'my_composite', { kind: 'composite' }), '(1,"a b")')).toBe('(1,"a b")');
    // A user type named like a built-in is still its text form.
    expect(one(column('v', 'date', { kind: 'composite' }), '(x)')).toBe('(x)');
  });

  it('enums → strings, domains → their base type', () => {
    expect(one(column('v', 'mood', { kind: 'enum', enumLabels: ['sad', 'ok'] }), 'ok')).toBe('ok');
    expect(one(column('v', 'numeric', { kind: 'domain', typeModifier: numericModifier(5, 2) }), '1.5')).toBe(
      '1.50',
    );
    expect(one(column('v', 'int8', { kind: 'domain' }), '9223372036854775807')).toBe(9223372036854775807n);
  });
});

describe('dates and times', () => {
  it('date → days since the epoch; BC; ±infinity explicit', () => {
    expect(one(column('v', 'date'), '2026-11-21')).toBe(20778);
    expect(one(column('v', 'date'), '4714-11-24 BC')).toBe(-2440588);
    expect(one(column('v', 'date'), '5874897-12-31')).toBe(2145042905);
    expect(one(column('v', 'date'), 'infinity')).toBe('infinity');
    expect(one(column('v', 'date'), '-infinity')).toBe('-infinity');
  });

  it('timestamptz → timestamp-micros in UTC from any offset, BC, ±infinity', () => {
    const instant = 1_795_255_200_123_456n;
    for (const text of [
      '2026-11-21 10:00:00.123456+00',
      '2026-11-21 15:30:00.123456+05:30',
      '2026-11-21 07:00:00.123456-03',
    ]) {
      expect(one(column('v', 'timestamptz'), text)).toBe(instant);
    }
    expect(one(column('v', 'timestamptz'), '0044-03-15 10:00:00+00 BC')).toBe(
      -735160n * 86_400_000_000n + 36_000_000_000n,
    );
    expect(one(column('v', 'timestamptz'), 'infinity')).toBe('infinity');
    expect(one(column('v', 'timestamptz'), '-infinity')).toBe('-infinity');
  });

  it('timestamps after 64-bit microseconds (up to year 294276, as PostgreSQL allows) travel as their exact text', () => {
    for (const [type, text] of [
      ['timestamp', '294276-12-31 23:59:59.999999'],
      ['timestamp', '294250-01-01 00:00:00'],
      ['timestamptz', '294250-06-01 10:00:00.5+00'],
    ]) {
      expect(one(column('v', type as string), text as string)).toEqual(new PgTextValue(text as string));
    }
    expect(one(column('v', 'timestamp'), '294246-12-31 23:59:59.999999')).toBe(9_223_371_244_799_999_999n);
  });

  it('timestamp → local-timestamp-micros (wall clock); time → time-micros', () => {
    expect(one(column('v', 'timestamp'), '2026-11-21 10:00:00.000001')).toBe(1_795_255_200_000_001n);
    expect(one(column('v', 'timestamp'), '-infinity')).toBe('-infinity');
    expect(one(column('v', 'time'), '23:59:59.999999')).toBe(86_399_999_999n);
  });
});

describe('arrays', () => {
  const ints = column('v', '_int4', { elementTypeName: 'int4' });

  it('map every element; NULL elements stay null; empty arrays are empty', () => {
    expect(one(ints, '{1,NULL,-3}')).toEqual([1, null, -3]);
    expect(one(ints, '{}')).toEqual([]);
    expect(
      one(column('v', '_text', { elementTypeName: 'text' }), '{"a,b","c\\"d","e\\\\f",NULL,"NULL",""}'),
    ).toEqual(['a,b', 'c"d', 'e\\f', null, 'NULL', '']);
  });

  it('keep their declared dimensions as nested arrays', () => {
    const grid = column('v', '_int8', { elementTypeName: 'int8', arrayDimensions: 2 });
    expect(one(grid, '{{1,2},{3,9223372036854775807}}')).toEqual([
      [1n, 2n],
      [3n, 9223372036854775807n],
    ]);
    expect(one(grid, '{}')).toEqual([]);
  });

  it('of another shape than declared (dimensions, lower bounds) travel whole as their exact text', () => {
    const grid = column('v', '_int8', { elementTypeName: 'int8', arrayDimensions: 2 });
    for (const [col, text] of [
      [ints, '{{1,2},{3,4}}'],
      [ints, '[0:1]={7,8}'],
      [ints, '[-3:-3]={NULL}'],
      [grid, '{1,2}'],
      [grid, '[1:1][0:1]={{7,8}}'],
      [column('v', '_text', { elementTypeName: 'text' }), '{{"a,b",NULL},{"c\\"d",e}}'],
    ] as const) {
      const value = one(col, text);
      expect(value, text).toBeInstanceOf(PgTextValue);
      expect((value as PgTextValue).text).toBe(text);
    }
    // Bounds that are all 1 (PostgreSQL never prints them) change nothing.
    expect(one(ints, '[1:2]={7,8}')).toEqual([7, 8]);
    // Malformed text is still a problem, not exact text.
    expect(() => one(ints, '[0:5]={7,8}')).toThrow(/bounds do not match/);
    expect(() => one(ints, '{{1},2}')).toThrow(/malformed/);
  });

  it('with an element its typed branch cannot hold travel whole as their exact text', () => {
    const text = '{"2026-01-01 00:00:00+00","294250-01-01 00:00:00+00",NULL}';
    expect(one(column('v', '_timestamptz', { elementTypeName: 'timestamptz' }), text)).toEqual(
      new PgTextValue(text),
    );
  });

  it("use their element type's delimiter; a user type named like a built-in one is its text", () => {
    expect(
      one(column('v', '_geometry', { elementTypeName: 'geometry', elementDelimiter: ':' }), '{01a,b:02c}'),
    ).toEqual(['01a,b', '02c']);
    // A composite named `date` (not pg_catalog's): its elements are not dates.
    expect(
      one(column('v', '_date', { elementTypeName: 'date', elementTypeOid: 16390 }), '{"(1,x)",NULL}'),
    ).toEqual(['(1,x)', null]);
    expect(one(column('v', 'int4', { typeOid: 16391 }), 'not an int')).toBe('not an int');
  });

  it('of enums, numerics (with specials), uuids, dates, timestamps, boxes', () => {
    expect(
      one(column('v', '_mood', { elementTypeName: 'mood', enumLabels: ['sad', 'ok'] }), '{ok,sad,NULL}'),
    ).toEqual(['ok', 'sad', null]);
    expect(
      one(
        column('v', '_numeric', { elementTypeName: 'numeric', typeModifier: numericModifier(10, 2) }),
        '{1.50,NaN,-Infinity,NULL}',
      ),
    ).toEqual(['1.50', 'NaN', '-Infinity', null]);
    expect(one(column('v', '_numeric', { elementTypeName: 'numeric' }), '{1.5,100}')).toEqual(['1.5', '100']);
    expect(
      one(column('v', '_uuid', { elementTypeName: 'uuid' }), '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'),
    ).toEqual(['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']);
    expect(one(column('v', '_date', { elementTypeName: 'date' }), '{1970-01-02,infinity}')).toEqual([
      1,
      'infinity',
    ]);
    expect(
      one(column('v', '_timestamptz', { elementTypeName: 'timestamptz' }), '{"1970-01-01 00:00:01+00"}'),
    ).toEqual([1_000_000n]);
    expect(one(column('v', '_box', { elementTypeName: 'box' }), '{(3,4),(1,2);(1,1),(0,0)}')).toEqual([
      '(3,4),(1,2)',
      '(1,1),(0,0)',
    ]);
  });
});

describe('NULL, unchanged TOAST, pseudonymisation', () => {
  it('NULL is null for every type', () => {
    for (const type of ['int4', 'int8', 'numeric', 'text', 'date', 'timestamptz', 'bytea', 'uuid', 'jsonb']) {
      expect(one(column('v', type), null)).toBeNull();
    }
  });

  it('unchanged TOAST is its own branch: never null, never a placeholder string', () => {
    const decoded = through(
      [column('body', 'text'), column('tags', '_text', { elementTypeName: 'text' }), column('n', 'numeric')],
      { body: unchangedToastValue, tags: unchangedToastValue, n: unchangedToastValue } as unknown as TextRow,
    );
    expect(decoded.body).toBe(unchangedToastValue);
    expect(decoded.tags).toBe(unchangedToastValue);
    expect(decoded.n).toBe(unchangedToastValue);
    // The literal text is just text.
    expect(one(column('v', 'text'), 'UNCHANGED_TOAST')).toBe('UNCHANGED_TOAST');
  });

  it('pseudonymised columns are a keyed, stable HMAC-SHA256; null stays null', () => {
    const email = column('email', 'text');
    const options = (key: string) => ({
      connector: { columns: { mode: 'all' as const, pseudonymise: ['email'] } },
      secrets: { pseudonymisationKey: key },
    });
    const first = through([email], { email: 'ada@example.org' }, options('k1')).email;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(through([email], { email: 'ada@example.org' }, options('k1')).email).toBe(first);
    expect(through([email], { email: 'ada@example.org' }, options('k2')).email).not.toBe(first);
    expect(through([email], { email: 'bob@example.org' }, options('k1')).email).not.toBe(first);
    expect(through([email], { email: null }, options('k1')).email).toBeNull();
    // A pseudonymised non-text column becomes a string too.
    const phone = column('phone', 'int8');
    const hashed = through(
      [phone],
      { phone: '33612345678' },
      {
        connector: { columns: { mode: 'all', pseudonymise: ['phone'] } },
        secrets: { pseudonymisationKey: 'k1' },
      },
    ).phone;
    expect(hashed).toMatch(/^[0-9a-f]{64}$/);
  });
});
