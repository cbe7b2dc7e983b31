/**
 * Avro `long` as a JS bigint. avsc's built-in long is a JS number and refuses anything beyond 2^53, but
 * PostgreSQL bigint, LSNs and microsecond timestamps use the whole 64-bit range. `LongType.__with` is avsc's
 * hook for that: the wire encoding stays the standard zig-zag varint, only the JS representation changes.
 *
 * Writing is on the reader's hot path (a dozen longs per change event), so the type writes the varint itself
 * instead of going through `__with`'s `toBuffer` (an 8-byte buffer per long, then repacked).
 */
import avro from 'avsc';

const minLong = -(2n ** 63n);
const maxLong = 2n ** 63n - 1n;
// avsc's number varint computes 2|n| - 1 for negatives: a double holds it exactly only below 2^53.
const maxExactNumber = 2n ** 52n - 1n;
const minExactNumber = -maxExactNumber;

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

/** avsc's write cursor (utils.Tap): what a type's `_write` receives. */
interface Tap {
  buf: Buffer;
  pos: number;
  writeLong(value: number): void;
}

/**
 * Zig-zag varint of a 64-bit bigint. Within ±2^52 avsc's own number path is exact and allocation-free;
 * beyond, seven bits at a time. Past the end of the buffer only `pos` advances, as avsc's writers do (the
 * caller sees the tap as invalid and retries with a larger buffer).
 */
export function writeBigintLong(tap: Tap, value: bigint): void {
  if (value >= minExactNumber && value <= maxExactNumber) {
    tap.writeLong(Number(value));
    return;
  }
  let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const buf = tap.buf;
  while (zigzag >= 0x80n) {
    buf[tap.pos++] = Number(zigzag & 0x7fn) | 0x80;
    zigzag >>= 7n;
  }
  buf[tap.pos++] = Number(zigzag);
}

const methods = {
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
};

type AbstractLong = avro.types.LongType & { _write(tap: Tap, value: unknown): void };
// avsc does not export AbstractLongType; `__with` builds (and freezes) one, whose class we extend.
const AbstractLongType = Object.getPrototypeOf(avro.types.LongType.__with(methods)).constructor as new (
  noUnpack?: boolean,
) => AbstractLong;

class BigintLongType extends AbstractLongType {
  override _write(tap: Tap, value: unknown): void {
    if (!isLong(value)) throw new Error(`invalid "long": ${String(value)}`);
    writeBigintLong(tap, value);
  }
}

function createBigintLongType(): avro.types.LongType {
  const type = new BigintLongType() as unknown as Record<string, unknown>;
  // The same method names `LongType.__with` assigns.
  type._toBuffer = methods.toBuffer;
  type._fromBuffer = methods.fromBuffer;
  type._fromJSON = methods.fromJSON;
  type._toJSON = methods.toJSON;
  type._isValid = methods.isValid;
  type.compare = methods.compare;
  return Object.freeze(type) as unknown as avro.types.LongType;
}

export const bigintLongType = createBigintLongType();

/**
 * avsc builds the underlying type of a logical type with its built-in classes, bypassing the registry and the
 * type hook, so logical types over `long` swap in the bigint long themselves (see temporal.ts).
 */
export function useBigintUnderlyingType(type: avro.types.LogicalType): void {
  (type as unknown as { _underlyingType: avro.Type })._underlyingType = bigintLongType;
}
