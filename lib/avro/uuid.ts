/** Avro `uuid` (string): validated on the way in and out, written in lower case as PostgreSQL prints it. */
import avro from 'avsc';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UuidType extends avro.types.LogicalType {
  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    if (this.underlyingType.typeName !== 'string')
      throw new Error('uuid: the underlying type must be string');
  }

  protected override _fromValue(text: string): string {
    return this._toValue(text);
  }

  protected override _toValue(text: unknown): string {
    if (typeof text !== 'string' || !uuidPattern.test(text)) throw new Error('uuid: not a UUID string');
    return text.toLowerCase();
  }

  protected override _resolve(writer: avro.Type): ((text: string) => string) | undefined {
    if (writer.typeName === 'logical:uuid' || writer.typeName === 'string')
      return (text) => this._toValue(text);
    throw new Error(`cannot read ${writer.typeName} as uuid`);
  }
}
