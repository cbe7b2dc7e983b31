/**
 * Avro `decimal` (bytes, precision, scale) with a canonical decimal string as its JS value, e.g. "-1234.50":
 * exact at any size, and the same text PostgreSQL prints for numeric(p,s).
 *
 * `cdc-variable-scale-decimal` carries an unconstrained PostgreSQL numeric, whose scale differs from row to row,
 * as Debezium's VariableScaleDecimal record {scale: int, value: bytes}; its JS value is a decimal string too.
 */
import avro from 'avsc';
import {
  digitCount,
  formatDecimal,
  fromTwosComplement,
  parseDecimal,
  rescale,
  toTwosComplement,
} from './decimal-codec.ts';

type Schema = { precision?: unknown; scale?: unknown };

export class DecimalType extends avro.types.LogicalType {
  readonly precision: number;
  readonly scale: number;

  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    const { precision, scale = 0 } = schema as Schema;
    if (!Number.isInteger(precision) || (precision as number) < 1) {
      throw new Error('decimal: precision must be a positive integer');
    }
    if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (precision as number)) {
      throw new Error('decimal: scale must be an integer between 0 and the precision');
    }
    if (this.underlyingType.typeName !== 'bytes') throw new Error('decimal: only bytes are supported');
    this.precision = precision as number;
    this.scale = scale as number;
  }

  private get label(): string {
    return `decimal(${this.precision},${this.scale})`;
  }

  protected override _fromValue(buffer: Buffer): string {
    return formatDecimal(fromTwosComplement(buffer), this.scale);
  }

  // avsc converts a value twice when it writes it in a union (once to pick the branch, once to write it): the
  // last conversion is remembered. Buffers are never mutated once returned (avsc copies them out).
  private lastValue: unknown;
  private lastBytes: Buffer | undefined;

  protected override _toValue(value: unknown): Buffer {
    if (value === this.lastValue && this.lastBytes !== undefined) return this.lastBytes;
    const bytes = this.convert(value);
    this.lastValue = value;
    this.lastBytes = bytes;
    return bytes;
  }

  // Errors never quote the value: it is row data (see lib/logging).
  private convert(value: unknown): Buffer {
    const parsed = typeof value === 'string' ? parseDecimal(value) : undefined;
    if (!parsed) throw new Error(`${this.label}: not a decimal string`);
    const unscaled = rescale(parsed, this.scale);
    if (unscaled === undefined) throw new Error(`${this.label}: more fraction digits than the scale`);
    if (digitCount(unscaled) > this.precision)
      throw new Error(`${this.label}: more digits than the precision`);
    return toTwosComplement(unscaled);
  }

  protected override _resolve(writer: avro.Type): ((value: string) => string) | undefined {
    if (writer.typeName !== 'logical:decimal') {
      throw new Error(`cannot read ${writer.typeName} as ${this.label}`);
    }
    const { precision, scale } = writer as DecimalType;
    // Same scale and no loss of digits; a different scale would change every value's meaning.
    if (scale !== this.scale) {
      throw new Error(`cannot read decimal(${precision},${scale}) as ${this.label}: the scales differ`);
    }
    if (precision > this.precision) {
      throw new Error(`cannot read decimal(${precision},${scale}) as ${this.label}: the precision shrinks`);
    }
    return (value) => value;
  }

  protected override _export(schema: avro.Schema): void {
    Object.assign(schema, { precision: this.precision, scale: this.scale });
  }
}

interface VariableScaleRecord {
  scale: number;
  value: Buffer;
}

export class VariableScaleDecimalType extends avro.types.LogicalType {
  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    const fields = (this.underlyingType as avro.types.RecordType).fields?.map((field) => field.name);
    if (this.underlyingType.typeName !== 'record' || fields?.join(',') !== 'scale,value') {
      throw new Error('cdc-variable-scale-decimal: must be a record {scale: int, value: bytes}');
    }
  }

  protected override _fromValue(record: VariableScaleRecord): string {
    return formatDecimal(fromTwosComplement(record.value), record.scale);
  }

  protected override _toValue(value: unknown): VariableScaleRecord {
    const parsed = typeof value === 'string' ? parseDecimal(value) : undefined;
    if (!parsed) throw new Error('cdc-variable-scale-decimal: not a decimal string');
    return { scale: parsed.scale, value: toTwosComplement(parsed.unscaled) };
  }

  protected override _resolve(writer: avro.Type): ((value: string) => string) | undefined {
    // Any fixed-scale decimal reads losslessly as a variable-scale one.
    if (writer.typeName === 'logical:cdc-variable-scale-decimal' || writer.typeName === 'logical:decimal') {
      return (value) => value;
    }
    throw new Error(`cannot read ${writer.typeName} as cdc-variable-scale-decimal`);
  }
}
