import { describe, expect, it } from 'vitest';
import {
  avroType,
  decimalSchema,
  formatDecimal,
  fromTwosComplement,
  parseDecimal,
  sharedNamedTypes,
  toTwosComplement,
} from '../../lib/avro/index.ts';

const record = (type: unknown) => avroType({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });
const roundTrip = (type: ReturnType<typeof record>, value: unknown) =>
  type.fromBuffer(type.toBuffer({ v: value })).v;

describe("two's complement (as Java's BigInteger.toByteArray)", () => {
  it.each([
    [0n, '00'],
    [1n, '01'],
    [127n, '7f'],
    [128n, '0080'],
    [255n, '00ff'],
    [256n, '0100'],
    [-1n, 'ff'],
    [-128n, '80'],
    [-129n, 'ff7f'],
    [-256n, 'ff00'],
    [-32768n, '8000'],
    [-32769n, 'ff7fff'],
  ])('%s ↔ %s', (value, hex) => {
    expect(toTwosComplement(value).toString('hex')).toBe(hex);
    expect(fromTwosComplement(Buffer.from(hex, 'hex'))).toBe(value);
  });

  it('round-trips random values of every size', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const digits = Array.from({ length: 1 + Math.floor(random() * 80) }, () => Math.floor(random() * 10));
      const value = BigInt(digits.join('')) * (random() < 0.5 ? -1n : 1n);
      expect(fromTwosComplement(toTwosComplement(value))).toBe(value);
    }
  });
});

describe('decimal text', () => {
  it('parses and formats canonically', () => {
    expect(parseDecimal('-1234.50')).toEqual({ unscaled: -123450n, scale: 2 });
    expect(parseDecimal('1e5')).toBeUndefined();
    expect(parseDecimal('NaN')).toBeUndefined();
    expect(parseDecimal(' 1')).toBeUndefined();
    expect(formatDecimal(-5n, 3)).toBe('-0.005');
    expect(formatDecimal(0n, 2)).toBe('0.00');
    expect(formatDecimal(12n, 0)).toBe('12');
    expect(formatDecimal(12n, -2)).toBe('1200');
  });
});

describe('decimal logical type', () => {
  const money = record(decimalSchema(12, 2));

  it('round-trips exact values as canonical strings', () => {
    expect(roundTrip(money, '-1234.50')).toBe('-1234.50');
    expect(roundTrip(money, '0.00')).toBe('0.00');
    expect(roundTrip(money, '-0.01')).toBe('-0.01');
    expect(roundTrip(money, '9999999999.99')).toBe('9999999999.99');
    // Fewer fraction digits are padded; extra zeros are exact and accepted.
    expect(roundTrip(money, '7')).toBe('7.00');
    expect(roundTrip(money, '7.100')).toBe('7.10');
  });

  it('keeps every digit of very large numbers', () => {
    const big = record(decimalSchema(80, 20));
    const value = '-123456789012345678901234567890123456789012345678901234567890.12345678901234567890';
    expect(roundTrip(big, value)).toBe(value);
  });

  it('writes the bytes Avro readers expect (unscaled big-endian two complement)', () => {
    const type = avroType(decimalSchema(12, 2));
    expect(type.toBuffer('-1234.50').toString('hex')).toBe(`06${toTwosComplement(-123450n).toString('hex')}`);
  });

  it('refuses silent rounding, overflow and non-decimal values, without quoting the value', () => {
    expect(() => money.toBuffer({ v: '1.234' })).toThrow(/more fraction digits than the scale/);
    expect(() => money.toBuffer({ v: '12345678901.00' })).toThrow(/more digits than the precision/);
    expect(() => money.toBuffer({ v: '12345678901.00' })).not.toThrow(/12345678901/);
    expect(money.isValid({ v: 1.5 })).toBe(false);
    expect(money.isValid({ v: 'NaN' })).toBe(false);
  });

  it('rejects an invalid declaration instead of falling back to bytes', () => {
    expect(() => avroType(decimalSchema(2, 3))).toThrow(/scale/);
    expect(() => avroType({ type: 'bytes', logicalType: 'decimal' })).toThrow(/precision/);
  });

  it('resolves the same scale (and a wider precision), and fails clearly otherwise', () => {
    const writer = record(decimalSchema(10, 2));
    const buffer = writer.toBuffer({ v: '12.34' });
    const wider = record(decimalSchema(20, 2));
    expect(wider.fromBuffer(buffer, wider.createResolver(writer)).v).toBe('12.34');
    expect(() => record(decimalSchema(10, 3)).createResolver(writer)).toThrow(/scales differ/);
    expect(() => record(decimalSchema(8, 2)).createResolver(writer)).toThrow(/precision shrinks/);
    expect(() => money.createResolver(record('bytes'))).toThrow(/cannot read bytes as decimal/);
    expect(() => money.createResolver(record('string'))).toThrow();
  });
});

describe('variable-scale decimal', () => {
  const type = record(sharedNamedTypes['cdc.VariableScaleDecimal']);

  it('keeps each value with its own scale', () => {
    for (const value of ['0', '1.5', '-0.000001', '1.500', `${'9'.repeat(100)}.${'1'.repeat(50)}`]) {
      expect(roundTrip(type, value)).toBe(value);
    }
  });

  it('has the Debezium layout {scale, value}', () => {
    const plain = avroType({
      type: 'record',
      name: 'VariableScaleDecimal',
      namespace: 'cdc',
      fields: [
        { name: 'scale', type: 'int' },
        { name: 'value', type: 'bytes' },
      ],
    });
    const decoded = plain.fromBuffer(
      avroType(sharedNamedTypes['cdc.VariableScaleDecimal']).toBuffer('-1.25'),
    );
    expect(decoded.scale).toBe(2);
    expect(fromTwosComplement(decoded.value)).toBe(-125n);
  });

  it('reads any fixed-scale decimal', () => {
    const writer = record(decimalSchema(10, 2));
    expect(type.fromBuffer(writer.toBuffer({ v: '3.10' }), type.createResolver(writer)).v).toBe('3.10');
    expect(() => type.createResolver(record('string'))).toThrow(/cannot read/);
  });
});
