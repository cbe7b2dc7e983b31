/**
 * Parsers from PostgreSQL's text output (DateStyle=ISO, any TimeZone, bytea_output hex or escape) to the JS
 * values of the Avro types in column-types.ts. Strict: a text that does not match the expected form is a
 * MappingProblem, never a guess, so that nothing arrives in Kafka subtly different from the source.
 */
import {
  daysFromCivil,
  digitCount,
  formatDecimal,
  isLong,
  isValidCivilDate,
  microsPerDay,
  microsPerSecond,
  parseDecimal,
  rescale,
} from '../../../lib/avro/index.ts';
import { MappingProblem, Unrepresentable } from './problem.ts';

export function parseBoolean(text: string): boolean {
  if (text === 't' || text === 'true') return true;
  if (text === 'f' || text === 'false') return false;
  throw new MappingProblem('not a boolean');
}

export function parseInt32(text: string): number {
  const value = /^-?\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= -(2 ** 31) && value < 2 ** 31)) throw new MappingProblem('not a 32-bit integer');
  return value;
}

export function parseInt64(text: string): bigint {
  const value = /^-?\d{1,19}$/.test(text) ? BigInt(text) : undefined;
  if (!isLong(value)) throw new MappingProblem('not a 64-bit integer');
  return value;
}

const floatPattern = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$|^-?Infinity$|^NaN$/i;

/** float4/float8 text, NaN and ±Infinity included (Avro float/double carry them natively). */
export function parseFloatingPoint(text: string): number {
  if (!floatPattern.test(text)) throw new MappingProblem('not a floating-point number');
  return Number(text.replace(/infinity/i, 'Infinity').replace(/^nan$/i, 'NaN'));
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseUuid(text: string): string {
  if (!uuidPattern.test(text)) throw new MappingProblem('not a UUID');
  return text.toLowerCase();
}

export type NumericSpecial = 'NaN' | 'Infinity' | '-Infinity';

function numericSpecial(text: string): NumericSpecial | undefined {
  return text === 'NaN' || text === 'Infinity' || text === '-Infinity' ? text : undefined;
}

/** numeric(p,s): a canonical decimal string with exactly `scale` digits, or a special. */
export function parseFixedNumeric(text: string, precision: number, scale: number): string | NumericSpecial {
  const special = numericSpecial(text);
  if (special) return special;
  const parsed = parseDecimal(text);
  if (!parsed) throw new MappingProblem('not a numeric value');
  const unscaled = rescale(parsed, scale);
  if (unscaled === undefined)
    throw new MappingProblem(`more fraction digits than numeric(${precision},${scale})`);
  if (digitCount(unscaled) > precision)
    throw new MappingProblem(`more digits than numeric(${precision},${scale})`);
  return formatDecimal(unscaled, scale);
}

/** Unconstrained numeric: the text as PostgreSQL wrote it (its scale is the value's own), or a special. */
export function parseVariableNumeric(text: string): string | NumericSpecial {
  const special = numericSpecial(text);
  if (special) return special;
  if (!parseDecimal(text)) throw new MappingProblem('not a numeric value');
  return text;
}

/** bytea in the hex format (`\x0aff`, the default) or the legacy escape format (`a\\b\001`). */
export function parseBytea(text: string): Buffer {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2);
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new MappingProblem('malformed bytea hex');
    return Buffer.from(hex, 'hex');
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '\\') {
      bytes.push(...Buffer.from(text[i] as string, 'latin1'));
      i++;
    } else if (text[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 2;
    } else if (/^[0-3][0-7]{2}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 4;
    } else {
      throw new MappingProblem('malformed bytea escape');
    }
  }
  return Buffer.from(bytes);
}

export type TemporalSpecial = 'infinity' | '-infinity';

const datePattern = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;

function civilDays(year: string, month: string, day: string, bc: string | undefined): number {
  // Year 1 BC is astronomical year 0.
  const civil = { year: bc ? 1 - Number(year) : Number(year), month: Number(month), day: Number(day) };
  if (!isValidCivilDate(civil)) throw new MappingProblem('not a calendar date');
  return daysFromCivil(civil);
}

/** date → days since 1970-01-01, or ±infinity. */
export function parseDate(text: string): number | TemporalSpecial {
  if (text === 'infinity' || text === '-infinity') return text;
  const match = datePattern.exec(text);
  if (!match) throw new MappingProblem('not an ISO date (DateStyle must be ISO)');
  const [, year = '', month = '', day = '', bc] = match;
  return civilDays(year, month, day, bc);
}

const timePattern = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

function timeMicros(hours: string, minutes: string, seconds: string, fraction = ''): bigint {
  const [h, m, s] = [Number(hours), Number(minutes), Number(seconds)];
  if (h > 24 || m > 59 || s > 60) throw new MappingProblem('not a time of day');
  // PostgreSQL accepts (and keeps) a leap second as :60, i.e. the first second of the next minute.
  const micros = BigInt((h * 60 + m) * 60 + s) * microsPerSecond + BigInt(fraction.padEnd(6, '0'));
  if (micros > microsPerDay) throw new MappingProblem('not a time of day');
  return micros;
}

/** time → microseconds since midnight (24:00:00 allowed, as PostgreSQL allows it). */
export function parseTime(text: string): bigint {
  const match = timePattern.exec(text);
  if (!match) throw new MappingProblem('not an ISO time');
  const [, hours = '', minutes = '', seconds = '', fraction] = match;
  return timeMicros(hours, minutes, seconds, fraction);
}

const timestampPattern =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?( BC)?$/;

/** `+05:30`, `-03`, `+00:53:28` (historical offsets have seconds), `Z` → seconds east of UTC. */
function offsetSeconds(offset: string): number {
  if (offset === 'Z') return 0;
  const digits = offset.slice(1).replaceAll(':', '');
  const [h, m, s] = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4, 6)].map((part) =>
    Number(part || 0),
  );
  const seconds = ((h ?? 0) * 60 + (m ?? 0)) * 60 + (s ?? 0);
  return offset.startsWith('-') ? -seconds : seconds;
}

/**
 * timestamp (withZone false) → wall-clock microseconds since 1970-01-01 00:00;
 * timestamptz (withZone true) → microseconds since the epoch in UTC, whatever offset the text carries.
 */
export function parseTimestamp(text: string, withZone: boolean): bigint | TemporalSpecial {
  if (text === 'infinity' || text === '-infinity') return text;
  const match = timestampPattern.exec(text);
  if (!match) throw new MappingProblem('not an ISO timestamp (DateStyle must be ISO)');
  const [, year = '', month = '', day = '', hours = '', minutes = '', seconds = '', fraction, offset, bc] =
    match;
  if (withZone && !offset) throw new MappingProblem('timestamptz without a UTC offset');
  if (!withZone && offset) throw new MappingProblem('timestamp with a UTC offset');
  const local =
    BigInt(civilDays(year, month, day, bc)) * microsPerDay + timeMicros(hours, minutes, seconds, fraction);
  const micros = offset ? local - BigInt(offsetSeconds(offset)) * microsPerSecond : local;
  // PostgreSQL goes up to year 294276, 64-bit microseconds since 1970 to 294247: a valid value, sent as text.
  if (!isLong(micros)) throw new Unrepresentable('beyond the range of a 64-bit microsecond timestamp');
  return micros;
}
