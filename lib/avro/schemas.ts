/**
 * The Avro JSON of the shared named types and the logical type names, so that the mapping (writer) and the
 * sinks (readers) spell them identically. Named types may be defined once per schema document; later
 * references use the full name (see NamedTypes).
 */

export type AvroSchema = string | readonly AvroSchema[] | { readonly [attribute: string]: unknown };

export const logicalTypeNames = {
  decimal: 'decimal',
  variableScaleDecimal: 'cdc-variable-scale-decimal',
  date: 'date',
  timeMicros: 'time-micros',
  timestampMicros: 'timestamp-micros',
  localTimestampMicros: 'local-timestamp-micros',
  uuid: 'uuid',
  unchangedToast: 'cdc-unchanged-toast',
  specialNumeric: 'cdc-special-numeric',
  specialTemporal: 'cdc-special-temporal',
  pgText: 'cdc-pg-text',
} as const;

export const sharedNamedTypes = {
  'cdc.UnchangedToast': {
    type: 'enum',
    name: 'UnchangedToast',
    namespace: 'cdc',
    doc: 'The column was not part of the change (unchanged TOAST value): keep the value you have.',
    symbols: ['UNCHANGED_TOAST'],
    logicalType: logicalTypeNames.unchangedToast,
  },
  'cdc.SpecialNumeric': {
    type: 'enum',
    name: 'SpecialNumeric',
    namespace: 'cdc',
    doc: 'A PostgreSQL numeric that is not a number: NaN, Infinity or -Infinity.',
    symbols: ['NaN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY'],
    logicalType: logicalTypeNames.specialNumeric,
  },
  'cdc.SpecialTemporal': {
    type: 'enum',
    name: 'SpecialTemporal',
    namespace: 'cdc',
    doc: "PostgreSQL's infinity or -infinity date or timestamp.",
    symbols: ['POSITIVE_INFINITY', 'NEGATIVE_INFINITY'],
    logicalType: logicalTypeNames.specialTemporal,
  },
  'cdc.VariableScaleDecimal': {
    type: 'record',
    name: 'VariableScaleDecimal',
    namespace: 'cdc',
    doc: 'A numeric without declared scale: value is the unscaled two-complement integer (as Debezium).',
    fields: [
      { name: 'scale', type: 'int' },
      { name: 'value', type: 'bytes' },
    ],
    logicalType: logicalTypeNames.variableScaleDecimal,
  },
  'cdc.PgText': {
    type: 'record',
    name: 'PgText',
    namespace: 'cdc',
    doc: "PostgreSQL's exact text form of a value the field's typed branch cannot hold",
    fields: [{ name: 'text', type: 'string' }],
    logicalType: logicalTypeNames.pgText,
  },
} as const;

export type SharedTypeName = keyof typeof sharedNamedTypes;

/** Emits each named type's definition the first time it is used in one schema document, its name after. */
export class NamedTypes {
  private readonly defined = new Set<string>();

  use(name: SharedTypeName): AvroSchema {
    if (this.defined.has(name)) return name;
    this.defined.add(name);
    return sharedNamedTypes[name];
  }
}

export const decimalSchema = (precision: number, scale: number): AvroSchema => ({
  type: 'bytes',
  logicalType: logicalTypeNames.decimal,
  precision,
  scale,
});
