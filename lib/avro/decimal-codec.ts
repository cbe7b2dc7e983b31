/**
 * Exact conversions between decimal strings, unscaled integers and Avro's decimal bytes (the unscaled value as
 * a big-endian two's-complement integer, as Java's BigInteger.toByteArray writes it). BigInt keeps every digit:
 * PostgreSQL numeric has up to 131072 digits before the point.
 */

const decimalPattern = /^(-)?(\d+)(?:\.(\d+))?$/;

export interface ParsedDecimal {
  unscaled: bigint;
  /** Digits after the point, as written. */
  scale: number;
}

/** Parses `-1234.50` into { unscaled: -123450n, scale: 2 }; undefined when the text is not a plain decimal. */
export function parseDecimal(text: string): ParsedDecimal | undefined {
  const match = decimalPattern.exec(text);
  if (!match) return undefined;
  const [, sign, integer = '', fraction = ''] = match;
  const magnitude = BigInt(integer + fraction);
  return { unscaled: sign ? -magnitude : magnitude, scale: fraction.length };
}

/** Brings a parsed decimal to `scale` digits, refusing to drop any non-zero digit (no silent rounding). */
export function rescale(value: ParsedDecimal, scale: number): bigint | undefined {
  if (value.scale === scale) return value.unscaled;
  if (value.scale < scale) return value.unscaled * 10n ** BigInt(scale - value.scale);
  const divisor = 10n ** BigInt(value.scale - scale);
  return value.unscaled % divisor === 0n ? value.unscaled / divisor : undefined;
}

/** Canonical text: exactly `scale` fraction digits, no plus sign, no negative zero. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

export function digitCount(unscaled: bigint): number {
  return (unscaled < 0n ? -unscaled : unscaled).toString().length;
}

/** Minimal big-endian two's complement (at least one byte), sized from the hex length, not by trial. */
export function toTwosComplement(value: bigint): Buffer {
  // For a negative v, the magnitude bits are those of -v - 1 (e.g. -128 → 127 → one byte, 0x80).
  const magnitude = value < 0n ? -value - 1n : value;
  let hex = magnitude.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  // One more byte when the top bit is taken by the magnitude, so that it still reads as the right sign.
  const bytes = hex.length / 2 + (Number.parseInt(hex.slice(0, 2), 16) >= 0x80 ? 1 : 0);
  const encoded = value < 0n ? (1n << BigInt(8 * bytes)) + value : value;
  return Buffer.from(encoded.toString(16).padStart(2 * bytes, '0'), 'hex');
}

export function fromTwosComplement(buffer: Buffer): bigint {
  if (buffer.length === 0) return 0n;
  const unsigned = BigInt(`0x${buffer.toString('hex')}`);
  const negative = (buffer[0] ?? 0) >= 0x80;
  return negative ? unsigned - (1n << BigInt(8 * buffer.length)) : unsigned;
}
