/**
 * Temporal logical types, all exact to the microsecond as PostgreSQL stores them:
 * - `date` (int): JS number of days since 1970-01-01 (negative before), no time zone involved;
 * - `time-micros` (long): JS bigint microseconds since midnight, 0 to 86 400 000 000 (24:00:00) inclusive;
 * - `timestamp-micros` (long): JS bigint microseconds since the epoch, an instant (timestamptz, UTC);
 * - `local-timestamp-micros` (long): the same count for a wall-clock time without zone (timestamp).
 * The longs are bigints: timestamps beyond 2^53 µs (year 2255) must not lose precision.
 */
import avro from 'avsc';
import { microsPerDay } from './calendar.ts';
import { isLong, useBigintUnderlyingType } from './long.ts';

const minInt = -(2 ** 31);
const maxInt = 2 ** 31 - 1;

/** Reads an int or long written by any writer (number or bigint) as a bigint. */
const toBigint = (value: number | bigint) => (typeof value === 'bigint' ? value : BigInt(value));

export class DateType extends avro.types.LogicalType {
  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    if (this.underlyingType.typeName !== 'int') throw new Error('date: the underlying type must be int');
  }

  protected override _fromValue(days: number): number {
    return days;
  }

  protected override _toValue(days: unknown): number {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < minInt || days > maxInt) {
      throw new Error('date: not a whole number of days in the int range');
    }
    return days;
  }

  protected override _resolve(writer: avro.Type): ((days: number) => number) | undefined {
    if (writer.typeName === 'logical:date' || writer.typeName === 'int') return (days) => days;
    throw new Error(`cannot read ${writer.typeName} as date`);
  }
}

/** Shared by the three long-based types: a bigint, checked against a range. */
abstract class MicrosType extends avro.types.LogicalType {
  protected abstract readonly label: string;
  /** Writer logical types whose values mean the same thing as this type's. */
  protected abstract readonly sameMeaning: readonly string[];

  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    if (this.underlyingType.typeName !== 'long') throw new Error('micros: the underlying type must be long');
    useBigintUnderlyingType(this);
  }

  protected inRange(micros: bigint): boolean {
    return isLong(micros);
  }

  protected override _fromValue(micros: bigint): bigint {
    return micros;
  }

  protected override _toValue(micros: unknown): bigint {
    if (typeof micros !== 'bigint' || !this.inRange(micros)) {
      throw new Error(`${this.label}: not a bigint count of microseconds in range`);
    }
    return micros;
  }

  protected override _resolve(writer: avro.Type): ((value: number | bigint) => bigint) | undefined {
    const name = writer.typeName;
    // Plain ints and longs carry no unit: they are taken as microseconds, as the Avro spec's promotion does.
    if (name === 'int' || name === 'long' || name === 'abstract:long' || this.sameMeaning.includes(name)) {
      return toBigint;
    }
    throw new Error(`cannot read ${name} as ${this.label}`);
  }
}

export class TimeMicrosType extends MicrosType {
  protected readonly label = 'time-micros';
  protected readonly sameMeaning = ['logical:time-micros'];

  protected override inRange(micros: bigint): boolean {
    return micros >= 0n && micros <= microsPerDay;
  }
}

export class TimestampMicrosType extends MicrosType {
  protected readonly label = 'timestamp-micros';
  protected readonly sameMeaning = ['logical:timestamp-micros'];
}

/** A wall-clock time is not an instant: reading one as the other would invent a time zone. */
export class LocalTimestampMicrosType extends MicrosType {
  protected readonly label = 'local-timestamp-micros';
  protected readonly sameMeaning = ['logical:local-timestamp-micros'];
}
