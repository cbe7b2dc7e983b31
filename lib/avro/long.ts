/**
 * Avro `long` as a JS bigint. avsc's built-in long is a JS number and refuses anything beyond 2^53, but
 * PostgreSQL bigint, LSNs and microsecond timestamps use the whole 64-bit range. `LongType.__with` is avsc's
 * hook for that: the wire encoding stays the standard zig-zag varint, only the JS representation changes.
 */
import avro from 'avsc';

const minLong = -(2n ** 63n);
const maxLong = 2n ** 63n - 1n;

export function isLong(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= minLong && value <= maxLong;
}

function fromJSON(value: unknown): bigint {
  // Schema defaults and avsc's JSON coercions arrive as numbers (or strings for values beyond 2^53).
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new Error('not a 64-bit integer');
}

export const bigintLongType = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(0),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON,
  // JSON has no 64-bit integers: numbers while they are exact, decimal strings beyond.
  toJSON: (value: bigint) => {
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
  },
  isValid: isLong,
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/**
 * avsc builds the underlying type of a logical type with its built-in classes, bypassing the registry and the
 * type hook, so logical types over `long` swap in the bigint long themselves (see temporal.ts).
 */
export function useBigintUnderlyingType(type: avro.types.LogicalType): void {
  (type as unknown as { _underlyingType: avro.Type })._underlyingType = bigintLongType;
}
