import { describe, expect, it } from 'vitest';
import {
  avroType,
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTimeMicros,
  formatTimestampMicros,
  isValidCivilDate,
} from '../../lib/avro/index.ts';

const record = (type: unknown) => avroType({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });
const roundTrip = (type: ReturnType<typeof record>, value: unknown) =>
  type.fromBuffer(type.toBuffer({ v: value })).v;
const date = { type: 'int', logicalType: 'date' };
const timestamp = { type: 'long', logicalType: 'timestamp-micros' };
const localTimestamp = { type: 'long', logicalType: 'local-timestamp-micros' };
const time = { type: 'long', logicalType: 'time-micros' };

// PostgreSQL's date range: 4714-11-24 BC (Julian day 0) to 5874897-12-31, as PostgreSQL itself counts them.
const minPostgresDay = -2440588;
const maxPostgresDay = 2145042905;

describe('calendar', () => {
  it('counts days from 1970-01-01 in the proleptic Gregorian calendar', () => {
    expect(daysFromCivil({ year: 1970, month: 1, day: 1 })).toBe(0);
    expect(daysFromCivil({ year: 2000, month: 3, day: 1 })).toBe(11017);
    expect(daysFromCivil({ year: 1969, month: 12, day: 31 })).toBe(-1);
    expect(daysFromCivil({ year: -4713, month: 11, day: 24 })).toBe(minPostgresDay);
    expect(daysFromCivil({ year: -43, month: 3, day: 15 })).toBe(-735160); // 0044-03-15 BC
    expect(daysFromCivil({ year: 0, month: 1, day: 1 })).toBe(-719528); // 0001-01-01 BC
    expect(daysFromCivil({ year: 5874897, month: 12, day: 31 })).toBe(maxPostgresDay);
  });

  it('converts back and forth for every day of several eras', () => {
    for (let days = -800_000; days < 800_000; days += 997) {
      const civil = civilFromDays(days);
      expect(isValidCivilDate(civil)).toBe(true);
      expect(daysFromCivil(civil)).toBe(days);
    }
  });

  it('knows leap years', () => {
    expect(isValidCivilDate({ year: 2000, month: 2, day: 29 })).toBe(true);
    expect(isValidCivilDate({ year: 1900, month: 2, day: 29 })).toBe(false);
    expect(isValidCivilDate({ year: 0, month: 2, day: 29 })).toBe(true); // 1 BC is a leap year
  });

  it("formats as PostgreSQL's ISO text, BC included", () => {
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(daysFromCivil({ year: -43, month: 3, day: 15 }))).toBe('0044-03-15 BC');
    expect(formatDate(maxPostgresDay)).toBe('5874897-12-31');
    expect(formatTimeMicros(86_400_000_000n)).toBe('24:00:00');
    expect(formatTimeMicros(45_296_000_001n)).toBe('12:34:56.000001');
    expect(formatTimestampMicros(-1n, { utcOffset: true })).toBe('1969-12-31 23:59:59.999999+00');
    expect(formatTimestampMicros(-62_135_596_800_000_000n - 1n, { utcOffset: false })).toBe(
      '0001-12-31 23:59:59.999999 BC',
    );
  });
});

describe('date', () => {
  it('round-trips PostgreSQL extremes as a number of days', () => {
    const type = record(date);
    for (const days of [minPostgresDay, -1, 0, 1, maxPostgresDay]) expect(roundTrip(type, days)).toBe(days);
  });

  it('refuses fractions, strings and values beyond the int range', () => {
    const type = record(date);
    expect(type.isValid({ v: 1.5 })).toBe(false);
    expect(type.isValid({ v: '2026-01-01' })).toBe(false);
    expect(type.isValid({ v: 2 ** 31 })).toBe(false);
  });

  it('reads an int and refuses a long', () => {
    const type = record(date);
    const int = record('int');
    expect(type.fromBuffer(int.toBuffer({ v: 3 }), type.createResolver(int)).v).toBe(3);
    expect(() => type.createResolver(record('long'))).toThrow(/cannot read/);
  });
});

describe('timestamp-micros, local-timestamp-micros', () => {
  it('round-trips bigint microseconds over the whole long range', () => {
    for (const schema of [timestamp, localTimestamp]) {
      const type = record(schema);
      for (const micros of [0n, -1n, 1_763_719_200_123_456n, -210_866_803_200_000_000n, 2n ** 63n - 1n]) {
        expect(roundTrip(type, micros)).toBe(micros);
      }
      expect(type.isValid({ v: 1 })).toBe(false);
      expect(type.isValid({ v: 2n ** 63n })).toBe(false);
    }
  });

  it('exports its logical type on a long', () => {
    expect(avroType(timestamp).schema({ exportAttrs: true })).toEqual({
      type: 'long',
      logicalType: 'timestamp-micros',
    });
  });

  it('reads ints and longs, and does not confuse instants with wall-clock times', () => {
    const type = record(timestamp);
    const long = record('long');
    const int = record('int');
    expect(type.fromBuffer(long.toBuffer({ v: 2n ** 60n }), type.createResolver(long)).v).toBe(2n ** 60n);
    expect(type.fromBuffer(int.toBuffer({ v: -5 }), type.createResolver(int)).v).toBe(-5n);
    expect(() => type.createResolver(record(localTimestamp))).toThrow(/cannot read/);
    expect(() => record(localTimestamp).createResolver(type)).toThrow(/cannot read/);
    expect(() => type.createResolver(record('string'))).toThrow(/cannot read/);
  });
});

describe('time-micros', () => {
  it('covers 00:00:00 to 24:00:00 inclusive', () => {
    const type = record(time);
    expect(roundTrip(type, 0n)).toBe(0n);
    expect(roundTrip(type, 86_400_000_000n)).toBe(86_400_000_000n);
    expect(type.isValid({ v: 86_400_000_001n })).toBe(false);
    expect(type.isValid({ v: -1n })).toBe(false);
  });

  it('reads an int or long written by an older schema', () => {
    const type = record(time);
    const int = record('int');
    expect(type.fromBuffer(int.toBuffer({ v: 1000 }), type.createResolver(int)).v).toBe(1000n);
  });
});
