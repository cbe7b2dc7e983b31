/**
 * The one set of avsc options used for every Avro encode and decode in the project (producer, registry
 * client, sinks, tests): our logical types and the bigint long. Without them a long beyond 2^53 fails and a
 * decimal decodes as raw bytes.
 *
 * A function, not a constant: avsc's `Type.forSchema` writes into its options object (it fills
 * `registry` with every named type it meets and then refuses to see a name twice), so each call needs
 * fresh options. The bigint long is injected through `typeHook` rather than `registry` for the same reason:
 * the registry client spreads its options into every parse, and a shared registry would leak names between
 * unrelated schemas.
 */
import avro from 'avsc';
import { DecimalType, VariableScaleDecimalType } from './decimal.ts';
import { bigintLongType } from './long.ts';
import { unionHook } from './marked-union.ts';
import { SpecialNumericType, SpecialTemporalType, UnchangedToastType } from './markers.ts';
import { PgTextType } from './pg-text.ts';
import type { AvroSchema } from './schemas.ts';
import { logicalTypeNames } from './schemas.ts';
import { DateType, LocalTimestampMicrosType, TimeMicrosType, TimestampMicrosType } from './temporal.ts';
import { UuidType } from './uuid.ts';

const logicalTypes = {
  [logicalTypeNames.decimal]: DecimalType,
  [logicalTypeNames.variableScaleDecimal]: VariableScaleDecimalType,
  [logicalTypeNames.date]: DateType,
  [logicalTypeNames.timeMicros]: TimeMicrosType,
  [logicalTypeNames.timestampMicros]: TimestampMicrosType,
  [logicalTypeNames.localTimestampMicros]: LocalTimestampMicrosType,
  [logicalTypeNames.uuid]: UuidType,
  [logicalTypeNames.unchangedToast]: UnchangedToastType,
  [logicalTypeNames.specialNumeric]: SpecialNumericType,
  [logicalTypeNames.specialTemporal]: SpecialTemporalType,
  [logicalTypeNames.pgText]: PgTextType,
};

const knownLogicalTypes = new Set<string>(Object.keys(logicalTypes));

/**
 * Every plain `long` (and a long under a logical type we do not know) becomes the bigint long; unions of row
 * fields become marked unions (marked-union.ts).
 */
function typeHook(schema: unknown, options: avro.ForSchemaOptions): avro.Type | undefined {
  if (Array.isArray(schema)) return unionHook(schema, options);
  if (schema === 'long') return bigintLongType;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const { type, logicalType } = schema as { type?: unknown; logicalType?: unknown };
  if (type !== 'long') return undefined;
  return typeof logicalType === 'string' && knownLogicalTypes.has(logicalType) ? undefined : bigintLongType;
}

export function avroTypeOptions(): Partial<avro.ForSchemaOptions> {
  return {
    logicalTypes,
    typeHook: typeHook as avro.ForSchemaOptions['typeHook'],
    // An invalid logical type (e.g. a decimal whose scale exceeds its precision) is a bug here, not a
    // reason to fall back to raw bytes silently.
    assertLogicalTypes: true,
  };
}

/** Parses an Avro JSON schema with the project's options. */
export function avroType(schema: AvroSchema): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, avroTypeOptions());
}
