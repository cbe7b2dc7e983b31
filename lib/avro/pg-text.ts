/**
 * `cdc.PgText` {text: string}: PostgreSQL's exact text form of a value that the field's typed branch cannot
 * hold (a 2-dimensional array in an `int[]` column, an array whose lower bound is not 1, a timestamp after
 * Avro's 64-bit microsecond range...). It is one more branch of the field's union, so such a value travels
 * exactly instead of stopping the stream; a consumer that writes to PostgreSQL writes the text as is.
 *
 * Its JS value is a frozen `PgTextValue`, not a string: in an unwrapped union of a `string` field a plain
 * string would be indistinguishable from the text branch, and a consumer must never mistake the escape for a
 * typed value. marked-union.ts picks the branch with `instanceof`, like the markers (markers.ts).
 *
 * On the wire it is an ordinary record: a reader that does not know `cdc-pg-text` sees `{text}`.
 */
import avro from 'avsc';

export class PgTextValue {
  constructor(readonly text: string) {
    Object.freeze(this);
  }

  /** What it prints as: never the value itself (it is row data and may reach a log by accident). */
  toString(): string {
    return '[PgText]';
  }
}

export class PgTextType extends avro.types.LogicalType {
  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    const record = this.underlyingType as avro.types.RecordType;
    const fields = record.fields?.map((field) => `${field.name}:${field.type.typeName}`);
    if (record.typeName !== 'record' || fields?.join(',') !== 'text:string') {
      throw new Error('cdc-pg-text: must be a record {text: string}');
    }
  }

  /** Whether `value` is this branch's (marked-union.ts picks branches with it, as it does for markers). */
  isMarkerValue(value: unknown): boolean {
    return value instanceof PgTextValue;
  }

  protected override _fromValue(record: { text: string }): PgTextValue {
    return new PgTextValue(record.text);
  }

  /** `undefined` is "not mine" to avsc (see MarkerType._toValue: no Error per value while picking branches). */
  protected override _toValue(value: unknown): { text: string } | undefined {
    return value instanceof PgTextValue ? { text: value.text } : undefined;
  }

  protected override _resolve(writer: avro.Type): ((value: unknown) => PgTextValue) | undefined {
    if (writer.typeName === this.typeName) return (value) => value as PgTextValue;
    // The same record written by a producer that does not declare the logical type.
    const fields = (writer as avro.types.RecordType).fields;
    if (writer.typeName === 'record' && fields?.some((field) => field.name === 'text')) {
      return (record) => new PgTextValue((record as { text: string }).text);
    }
    throw new Error(`cannot read ${writer.typeName} as ${this.typeName}`);
  }
}
