export {
  type ArrayElement,
  type ArrayText,
  arrayDimensions,
  lowerBounds,
  parseArrayText,
} from './array-text.ts';
export {
  type ColumnWithDimensions,
  columnMapping,
  numericTypmod,
  type ValueMapping,
} from './column-types.ts';
export { avroName, avroNamespace } from './names.ts';
export { MappingProblem, Unrepresentable } from './problem.ts';
export { type PseudonymisationKey, pseudonymise } from './pseudonymise.ts';
export { type AvroRecord, createRowMapper, type MappingSecrets, type RowMapper } from './row-mapper.ts';
export { buildRowSchemas, type RecordSchema, type RowSchemas } from './row-schemas.ts';
