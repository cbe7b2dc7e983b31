import { describe, expect, it } from 'vitest';
import { MappingProblem, Unrepresentable } from '../../../services/replication-reader/mapping/problem.ts';
import {
  parseBoolean,
  parseBytea,
  parseDate,
  parseFixedNumeric,
  parseFloatingPoint,
  parseInt32,
  parseInt64,
  parseTime,
  parseTimestamp,
  parseUuid,
  parseVariableNumeric,
} from '../../../services/replication-reader/mapping/scalar-text.ts';

const problem = (run: () => unknown) => expect(run).toThrow(MappingProblem);

describe('integers', () => {
  it('reads the full ranges', () => {
    expect(parseInt32('-2147483648')).toBe(-2147483648);
    expect(parseInt32('2147483647')).toBe(2147483647);
    expect(parseInt64('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseInt64('-9223372036854775808')).toBe(-9223372036854775808n);
  });

  it('refuses overflow and non-integers', () => {
    problem(() => parseInt32('2147483648'));
    problem(() => parseInt32('1.0'));
    problem(() => parseInt32(''));
    problem(() => parseInt64('9223372036854775808'));
    problem(() => parseInt64('1e3'));
  });
});

describe('floats, booleans', () => {
  it('keeps NaN and the infinities', () => {
    expect(parseFloatingPoint('NaN')).toBeNaN();
    expect(parseFloatingPoint('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(parseFloatingPoint('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseFloatingPoint('1e+300')).toBe(1e300);
    expect(parseFloatingPoint('-0')).toBe(-0);
    expect(parseFloatingPoint('3.4028235e+38')).toBe(3.4028235e38);
    problem(() => parseFloatingPoint(''));
    problem(() => parseFloatingPoint('0x10'));
  });

  it('reads t/f', () => {
    expect(parseBoolean('t')).toBe(true);
    expect(parseBoolean('f')).toBe(false);
    problem(() => parseBoolean('yes'));
  });
});

describe('numeric', () => {
  it('fixed scale: canonical digits, specials kept', () => {
    expect(parseFixedNumeric('-1234.5', 12, 2)).toBe('-1234.50');
    expect(parseFixedNumeric('NaN', 12, 2)).toBe('NaN');
    expect(parseFixedNumeric('-Infinity', 12, 2)).toBe('-Infinity');
    problem(() => parseFixedNumeric('1.234', 12, 2));
    problem(() => parseFixedNumeric('12345678901.00', 12, 2));
    problem(() => parseFixedNumeric('nan', 12, 2));
  });

  it('variable scale: the text as PostgreSQL wrote it', () => {
    const big = `-${'9'.repeat(45)}.${'0'.repeat(20)}1`;
    expect(parseVariableNumeric(big)).toBe(big);
    expect(parseVariableNumeric('Infinity')).toBe('Infinity');
    problem(() => parseVariableNumeric('1,5'));
  });
});

describe('uuid', () => {
  it('validates and lower-cases', () => {
    expect(parseUuid('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    problem(() => parseUuid('a0eebc999c0b4ef8bb6d6bb9bd380a11'));
    problem(() => parseUuid(''));
  });
});

describe('bytea', () => {
  it('reads hex and escape formats', () => {
    expect(parseBytea('\\x00ff10')).toEqual(Buffer.from([0, 255, 16]));
    expect(parseBytea('\\x')).toEqual(Buffer.alloc(0));
    expect(parseBytea('a\\\\b\\000\\377')).toEqual(Buffer.from([0x61, 0x5c, 0x62, 0, 255]));
    problem(() => parseBytea('\\x0'));
    problem(() => parseBytea('\\xzz'));
    problem(() => parseBytea('\\9'));
  });
});

describe('date and time', () => {
  it('dates, BC and infinities', () => {
    expect(parseDate('1970-01-01')).toBe(0);
    expect(parseDate('2026-11-21')).toBe(20778);
    expect(parseDate('0044-03-15 BC')).toBe(-735160);
    expect(parseDate('4714-11-24 BC')).toBe(-2440588);
    expect(parseDate('5874897-12-31')).toBe(2145042905);
    expect(parseDate('infinity')).toBe('infinity');
    expect(parseDate('-infinity')).toBe('-infinity');
    problem(() => parseDate('2026-02-30'));
    problem(() => parseDate('11-21-2026'));
    problem(() => parseDate('Infinity'));
  });

  it('times to the microsecond, 24:00:00 included', () => {
    expect(parseTime('00:00:00')).toBe(0n);
    expect(parseTime('12:34:56.000001')).toBe(45_296_000_001n);
    expect(parseTime('23:59:59.999999')).toBe(86_399_999_999n);
    expect(parseTime('24:00:00')).toBe(86_400_000_000n);
    problem(() => parseTime('24:00:01'));
    problem(() => parseTime('12:00'));
    problem(() => parseTime('12:00:00+02'));
  });
});

describe('timestamps', () => {
  const base = 1_795_255_200_123_456n; // 2026-11-21 10:00:00.123456 UTC

  it('timestamptz: any offset is an instant in UTC', () => {
    expect(parseTimestamp('2026-11-21 10:00:00.123456+00', true)).toBe(base);
    expect(parseTimestamp('2026-11-21 15:30:00.123456+05:30', true)).toBe(base);
    expect(parseTimestamp('2026-11-21 07:00:00.123456-03', true)).toBe(base);
    expect(parseTimestamp('2026-11-21 07:00:00.123456-03:00', true)).toBe(base);
    expect(parseTimestamp('2026-11-21T10:00:00.123456Z', true)).toBe(base);
    // Local mean time offsets have seconds (e.g. Asia/Kolkata in 1900).
    expect(parseTimestamp('1900-01-01 05:21:10+05:21:10', true)).toBe(-2_208_988_800_000_000n);
    expect(parseTimestamp('2026-11-21 10:00:00.5+00', true)).toBe(base - 123_456n + 500_000n);
  });

  it('BC and the extremes', () => {
    expect(parseTimestamp('0001-01-01 00:00:00+00 BC', true)).toBe(-719528n * 86_400_000_000n);
    expect(parseTimestamp('4714-11-24 00:00:00+00 BC', true)).toBe(-2440588n * 86_400_000_000n);
    expect(parseTimestamp('0044-03-15 10:00:00.5 BC', false)).toBe(
      -735160n * 86_400_000_000n + 36_000_500_000n,
    );
    expect(parseTimestamp('294246-12-31 23:59:59.999999', false)).toBeGreaterThan(0n);
    // Valid PostgreSQL timestamps beyond 64-bit microseconds: not malformed, unrepresentable (sent as text).
    expect(() => parseTimestamp('294276-12-31 23:59:59.999999', false)).toThrow(Unrepresentable);
    expect(() => parseTimestamp('294250-01-01 00:00:00+00', true)).toThrow(Unrepresentable);
    expect(() => parseTimestamp('294250-01-01 00:00:00+00', true)).toThrow(
      'beyond the range of a 64-bit microsecond timestamp',
    );
  });

  it('timestamp without time zone is wall-clock time, refuses offsets; infinities are kept', () => {
    expect(parseTimestamp('2026-11-21 10:00:00.123456', false)).toBe(base);
    expect(parseTimestamp('infinity', false)).toBe('infinity');
    expect(parseTimestamp('-infinity', true)).toBe('-infinity');
    problem(() => parseTimestamp('2026-11-21 10:00:00+00', false));
    problem(() => parseTimestamp('2026-11-21 10:00:00', true));
    problem(() => parseTimestamp('Sat Nov 21 10:00:00 2026 UTC', true));
    problem(() => parseTimestamp('2026-11-21 10:00:00.1234567+00', true));
  });
});
