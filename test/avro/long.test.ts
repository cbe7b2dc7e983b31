import { describe, expect, it } from 'vitest';
import { avroType, bigintLongType } from '../../lib/avro/index.ts';

const record = (type: unknown) => avroType({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });

describe('bigint long', () => {
  it('round-trips the whole 64-bit range without precision loss', () => {
    const type = record('long');
    for (const value of [0n, 1n, -1n, 2n ** 53n + 1n, 9223372036854775807n, -9223372036854775808n]) {
      expect(type.fromBuffer(type.toBuffer({ v: value })).v).toBe(value);
    }
  });

  it('uses the standard zig-zag encoding (interoperates with any Avro long)', () => {
    // 1 → 0x02, -1 → 0x01, 2^63-1 → ten bytes of varint.
    expect(bigintLongType.toBuffer(1n)).toEqual(Buffer.from([0x02]));
    expect(bigintLongType.toBuffer(-1n)).toEqual(Buffer.from([0x01]));
    expect(bigintLongType.toBuffer(9223372036854775807n).toString('hex')).toBe('feffffffffffffffff01');
  });

  it('writes the same varint as a plain zig-zag encoder, across the whole range', () => {
    const reference = (value: bigint): string => {
      let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
      const bytes: number[] = [];
      while (zigzag >= 0x80n) {
        bytes.push(Number(zigzag & 0x7fn) | 0x80);
        zigzag >>= 7n;
      }
      bytes.push(Number(zigzag));
      return Buffer.from(bytes).toString('hex');
    };
    const edges = [0n, 1n, -1n, 63n, 64n, -64n, -65n, 2n ** 31n, -(2n ** 31n), 2n ** 53n - 1n, 2n ** 53n];
    edges.push(-(2n ** 53n) + 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 1_795_255_200_123_456n);
    const random = Array.from({ length: 2000 }, (_, i) => {
      const magnitude = BigInt(Math.floor(Math.random() * 2 ** 32)) << BigInt(i % 32);
      return i % 2 === 0 ? magnitude : -magnitude;
    });
    for (const value of [...edges, ...random]) {
      expect(bigintLongType.toBuffer(value).toString('hex')).toBe(reference(value));
      expect(bigintLongType.fromBuffer(bigintLongType.toBuffer(value))).toBe(value);
    }
  });

  it('is used for every long: plain, object form, in unions, arrays, maps and unknown logical types', () => {
    for (const schema of [
      'long',
      { type: 'long' },
      ['null', 'long'],
      { type: 'array', items: 'long' },
      { type: 'map', values: 'long' },
      { type: 'long', logicalType: 'timestamp-millis' },
    ]) {
      const type = record(schema);
      const value = Array.isArray(schema)
        ? 2n ** 62n
        : typeof schema === 'object' && schema.type === 'array'
          ? [2n ** 62n]
          : typeof schema === 'object' && schema.type === 'map'
            ? { a: 2n ** 62n }
            : 2n ** 62n;
      expect(type.fromBuffer(type.toBuffer({ v: value })).v).toEqual(value);
    }
  });

  it('rejects numbers and out-of-range bigints instead of coercing them', () => {
    const type = record('long');
    expect(type.isValid({ v: 1 })).toBe(false);
    expect(type.isValid({ v: 2n ** 63n })).toBe(false);
    expect(() => type.toBuffer({ v: -(2n ** 63n) - 1n })).toThrow();
  });

  it('reads an int written by an older schema as a bigint', () => {
    const writer = record('int');
    const reader = record('long');
    const decoded = reader.fromBuffer(writer.toBuffer({ v: -2147483648 }), reader.createResolver(writer));
    expect(decoded.v).toBe(-2147483648n);
  });

  it('takes field defaults from JSON numbers', () => {
    const type = avroType({
      type: 'record',
      name: 'R',
      fields: [{ name: 'v', type: 'long', default: 42 }],
    });
    const old = avroType({ type: 'record', name: 'R', fields: [] });
    expect(type.fromBuffer(old.toBuffer({}), type.createResolver(old)).v).toBe(42n);
  });

  it('exports itself as a plain long in the schema', () => {
    expect(record('long').schema()).toEqual({
      name: 'R',
      type: 'record',
      fields: [{ name: 'v', type: 'long' }],
    });
  });
});
