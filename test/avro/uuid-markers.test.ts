import { describe, expect, it } from 'vitest';
import { avroType, decimalSchema, sharedNamedTypes, unchangedToastValue } from '../../lib/avro/index.ts';
import { unchangedToast } from '../../services/replication-reader/model.ts';

const record = (type: unknown) => avroType({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });
const roundTrip = (type: ReturnType<typeof record>, value: unknown) =>
  type.fromBuffer(type.toBuffer({ v: value })).v;

describe('uuid', () => {
  const type = record({ type: 'string', logicalType: 'uuid' });

  it('validates and writes lower case', () => {
    expect(roundTrip(type, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
    expect(type.isValid({ v: 'not-a-uuid' })).toBe(false);
    expect(type.isValid({ v: 'a0eebc999c0b4ef8bb6d6bb9bd380a11' })).toBe(false);
  });

  it('reads strings and validates them', () => {
    const string = record('string');
    const resolver = type.createResolver(string);
    expect(type.fromBuffer(string.toBuffer({ v: '00000000-0000-0000-0000-000000000000' }), resolver).v).toBe(
      '00000000-0000-0000-0000-000000000000',
    );
    expect(() => type.fromBuffer(string.toBuffer({ v: 'nope' }), resolver)).toThrow(/uuid/);
    expect(() => type.createResolver(record('int'))).toThrow(/cannot read/);
  });
});

describe('markers', () => {
  it("shares the reader model's unchanged-TOAST symbol", () => {
    expect(unchangedToastValue).toBe(unchangedToast);
  });

  it('keeps a toastable text column unambiguous: text, null and "unchanged" are three different things', () => {
    const type = record(['null', 'string', sharedNamedTypes['cdc.UnchangedToast']]);
    expect(roundTrip(type, unchangedToastValue)).toBe(unchangedToastValue);
    expect(roundTrip(type, 'UNCHANGED_TOAST')).toBe('UNCHANGED_TOAST');
    expect(roundTrip(type, null)).toBeNull();
    expect(roundTrip(type, '')).toBe('');
  });

  it('tells numeric specials from decimals in one union', () => {
    const type = record([
      'null',
      decimalSchema(10, 2),
      sharedNamedTypes['cdc.SpecialNumeric'],
      sharedNamedTypes['cdc.UnchangedToast'],
    ]);
    for (const value of ['NaN', 'Infinity', '-Infinity', '1.50', null, unchangedToastValue]) {
      expect(roundTrip(type, value)).toBe(value);
    }
    expect(type.isValid({ v: 'infinity' })).toBe(false);
    // On the wire these are the enum branches, readable by any Avro reader (which, not knowing the logical
    // types, sees an ambiguous union and wraps it).
    const plain = avroType({
      type: 'record',
      name: 'R',
      fields: [
        {
          name: 'v',
          type: [
            'null',
            'bytes',
            {
              type: 'enum',
              name: 'SpecialNumeric',
              namespace: 'cdc',
              symbols: ['NaN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY'],
            },
            { type: 'enum', name: 'UnchangedToast', namespace: 'cdc', symbols: ['UNCHANGED_TOAST'] },
          ],
        },
      ],
    });
    expect(plain.fromBuffer(type.toBuffer({ v: '-Infinity' })).v).toEqual({
      'cdc.SpecialNumeric': 'NEGATIVE_INFINITY',
    });
    expect(plain.fromBuffer(type.toBuffer({ v: unchangedToastValue })).v).toEqual({
      'cdc.UnchangedToast': 'UNCHANGED_TOAST',
    });
  });

  it('tells temporal infinities from dates', () => {
    const type = record([
      'null',
      { type: 'int', logicalType: 'date' },
      sharedNamedTypes['cdc.SpecialTemporal'],
    ]);
    for (const value of ['infinity', '-infinity', 0, -1, null]) expect(roundTrip(type, value)).toBe(value);
    expect(type.isValid({ v: 'Infinity' })).toBe(false);
  });

  it('reads a plain enum with the same symbols, and refuses other types', () => {
    const plain = record({
      type: 'enum',
      name: 'SpecialTemporal',
      namespace: 'cdc',
      symbols: ['POSITIVE_INFINITY', 'NEGATIVE_INFINITY'],
    });
    const type = record(sharedNamedTypes['cdc.SpecialTemporal']);
    expect(type.fromBuffer(plain.toBuffer({ v: 'NEGATIVE_INFINITY' }), type.createResolver(plain)).v).toBe(
      '-infinity',
    );
    expect(() => type.createResolver(record('string'))).toThrow(/cannot read/);
  });

  it('refuses an enum with other symbols', () => {
    expect(() =>
      avroType({ type: 'enum', name: 'X', symbols: ['A'], logicalType: 'cdc-unchanged-toast' }),
    ).toThrow(/UNCHANGED_TOAST/);
  });
});

describe('avroTypeOptions', () => {
  it('can parse the same named types again and again (fresh options per parse)', () => {
    const schema = {
      type: 'record',
      name: 'Again',
      fields: [{ name: 'v', type: sharedNamedTypes['cdc.SpecialNumeric'] }],
    };
    expect(() => {
      avroType(schema);
      avroType(schema);
    }).not.toThrow();
  });
});
