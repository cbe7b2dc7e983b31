export {
  type CivilDate,
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTimeMicros,
  formatTimestampMicros,
  isValidCivilDate,
  microsPerDay,
  microsPerSecond,
} from './calendar.ts';
export { DecimalType, VariableScaleDecimalType } from './decimal.ts';
export {
  digitCount,
  formatDecimal,
  fromTwosComplement,
  type ParsedDecimal,
  parseDecimal,
  rescale,
  toTwosComplement,
} from './decimal-codec.ts';
export { bigintLongType, isLong } from './long.ts';
export {
  SpecialNumericType,
  SpecialTemporalType,
  UnchangedToastType,
  unchangedToastValue,
} from './markers.ts';
export { avroType, avroTypeOptions } from './options.ts';
export { PgTextType, PgTextValue } from './pg-text.ts';
export {
  type AvroSchema,
  decimalSchema,
  logicalTypeNames,
  NamedTypes,
  type SharedTypeName,
  sharedNamedTypes,
} from './schemas.ts';
export { ScratchEncoder } from './scratch-encoder.ts';
export { DateType, LocalTimestampMicrosType, TimeMicrosType, TimestampMicrosType } from './temporal.ts';
export { UuidType } from './uuid.ts';
