/**
 * PostgreSQL type → Avro type and text parser, one entry per type (see README.md for the table and the
 * reasons). A mapping yields the *branches* of a present value: usually one, plus an enum branch where the
 * Avro type cannot hold a PostgreSQL special (numeric NaN/±Infinity, date/timestamp ±infinity). Callers wrap
 * them: nullable, "exact text" and "unchanged TOAST" branches for row fields, `array` for array columns.
 *
 * Where PostgreSQL accepts values the typed branches cannot hold (arrays of another shape than declared,
 * timestamps after Avro's range), the parser throws `Unrepresentable` and the row field carries the value
 * through its `cdc.PgText` branch instead (row-mapper.ts, row-schemas.ts).
 */
import {
  type AvroSchema,
  decimalSchema,
  logicalTypeNames,
  type NamedTypes,
} from '../../../lib/avro/index.ts';
import type { ColumnDefinition } from '../model.ts';
import { type ArrayText, arrayDimensions, lowerBounds, parseArrayText } from './array-text.ts';
import { Unrepresentable } from './problem.ts';
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
} from './scalar-text.ts';

export interface ValueMapping {
  /** Avro branches of a present value; shared named types come from `named` (defined once per document). */
  branches(named: NamedTypes): AvroSchema[];
  /** Throws a MappingProblem for a text it cannot read, `Unrepresentable` for a valid value it cannot hold. */
  fromText(text: string): unknown;
  /** Whether `fromText` may throw `Unrepresentable`: row fields of this mapping get the `cdc.PgText` branch. */
  exactText: boolean;
}

const simple = (schema: AvroSchema, fromText: (text: string) => unknown): ValueMapping => ({
  branches: () => [schema],
  fromText,
  exactText: false,
});

const withSpecial = (
  schema: AvroSchema,
  special: 'cdc.SpecialNumeric' | 'cdc.SpecialTemporal',
  fromText: (text: string) => unknown,
  exactText = false,
): ValueMapping => ({ branches: (named) => [schema, named.use(special)], fromText, exactText });

const identity = (text: string) => text;
const asString = simple('string', identity);

/** numeric's atttypmod: ((precision << 16) | (scale & 0x7ff)) + 4, scale an 11-bit signed number; -1 = none. */
export function numericTypmod(typmod: number): { precision: number; scale: number } | undefined {
  if (typmod < 4) return undefined;
  const packed = typmod - 4;
  return { precision: (packed >> 16) & 0xffff, scale: ((packed & 0x7ff) ^ 1024) - 1024 };
}

function numericMapping(typmod: number): ValueMapping {
  const declared = numericTypmod(typmod);
  // Avro decimals need 0 ≤ scale ≤ precision; PostgreSQL 15 also allows negative scales and scale >
  // precision, which the variable-scale record carries exactly.
  if (declared && declared.scale >= 0 && declared.scale <= declared.precision) {
    const { precision, scale } = declared;
    return withSpecial(decimalSchema(precision, scale), 'cdc.SpecialNumeric', (text) =>
      parseFixedNumeric(text, precision, scale),
    );
  }
  return {
    branches: (named) => [named.use('cdc.VariableScaleDecimal'), named.use('cdc.SpecialNumeric')],
    fromText: parseVariableNumeric,
    exactText: false,
  };
}

const logical = (type: string, logicalType: string): AvroSchema => ({ type, logicalType });

/** Base types by pg_type.typname. Anything else (interval, inet, ranges, money...) is its text form. */
function baseMapping(typeName: string, typmod: number): ValueMapping {
  switch (typeName) {
    case 'bool':
      return simple('boolean', parseBoolean);
    case 'int2':
    case 'int4':
      return simple('int', parseInt32);
    case 'int8':
    case 'oid': // unsigned 32-bit: does not fit an Avro int
      return simple('long', parseInt64);
    case 'float4':
      // PostgreSQL prints the shortest text that reads back as the same float4: fround recovers it exactly.
      return simple('float', (text) => Math.fround(parseFloatingPoint(text)));
    case 'float8':
      return simple('double', parseFloatingPoint);
    case 'numeric':
      return numericMapping(typmod);
    case 'bytea':
      return simple('bytes', parseBytea);
    case 'uuid':
      return simple(logical('string', logicalTypeNames.uuid), parseUuid);
    case 'date':
      return withSpecial(logical('int', logicalTypeNames.date), 'cdc.SpecialTemporal', parseDate);
    case 'time':
      return simple(logical('long', logicalTypeNames.timeMicros), parseTime);
    // Years 294247 to 294276 are valid timestamps beyond 64-bit microseconds: exact text (scalar-text.ts).
    case 'timestamp':
      return withSpecial(
        logical('long', logicalTypeNames.localTimestampMicros),
        'cdc.SpecialTemporal',
        (text) => parseTimestamp(text, false),
        true,
      );
    case 'timestamptz':
      return withSpecial(
        logical('long', logicalTypeNames.timestampMicros),
        'cdc.SpecialTemporal',
        (text) => parseTimestamp(text, true),
        true,
      );
    default:
      // text, varchar, bpchar, char, name, citext, json, jsonb (as PostgreSQL prints it), xml, money (its
      // text depends on lc_monetary), timetz, interval, inet, cidr, macaddr, tsvector, geometric types,
      // ranges, composites and anything unknown: the exact text form, never dropped.
      return asString;
  }
}

function nestedItems(element: ValueMapping, depth: number, named: NamedTypes): AvroSchema {
  const items: AvroSchema =
    depth === 1 ? ['null', ...element.branches(named)] : nestedItems(element, depth - 1, named);
  return { type: 'array', items };
}

function mapLeaves(value: ArrayText, element: ValueMapping): unknown[] {
  return value.map((item) => {
    if (item === null) return null;
    if (Array.isArray(item)) return mapLeaves(item, element);
    return element.fromText(item);
  });
}

/**
 * Arrays keep their declared number of dimensions (pg_attribute.attndims, at least 1) as nested Avro arrays;
 * an empty array fits any. PostgreSQL enforces neither the dimensions nor lower bounds of 1: a value of
 * another shape (`{{1,2},{3,4}}` in an `int[]`, `[0:1]={7,8}`), or with an element its typed branch cannot
 * hold, is `Unrepresentable` and travels whole as its exact text, never reshaped.
 */
function arrayMapping(element: ValueMapping, delimiter: string, dimensions: number): ValueMapping {
  return {
    branches: (named) => [nestedItems(element, dimensions, named)],
    fromText: (text) => {
      const parsed = parseArrayText(text, delimiter);
      const actual = arrayDimensions(parsed);
      if (actual !== 0 && actual !== dimensions) {
        throw new Unrepresentable(`a ${actual}-dimensional array in a column mapped with ${dimensions}`);
      }
      if (lowerBounds(text)?.some((lower) => lower !== 1)) {
        throw new Unrepresentable('an array whose lower bound is not 1');
      }
      return mapLeaves(parsed, element);
    },
    exactText: true,
  };
}

/** Types PostgreSQL creates itself (below FirstNormalObjectId) exist in every database under their name. */
export const firstUserOid = 16384;

/** Declared array dimensions, when the catalog knows them (see catalog/README.md). */
export type ColumnWithDimensions = ColumnDefinition & { arrayDimensions?: number };

/** An array's elements: a user type named like a built-in one (a composite called `date`) is its text form. */
function elementMapping(column: ColumnWithDimensions, elementTypeName: string): ValueMapping {
  if (column.enumLabels) return asString;
  if ((column.elementTypeOid ?? 0) >= firstUserOid) return asString;
  return baseMapping(elementTypeName, column.typeModifier);
}

export function columnMapping(column: ColumnWithDimensions): ValueMapping {
  if (column.elementTypeName !== undefined) {
    // The element type's own delimiter (pg_type.typdelim: `;` for box, `:` for PostGIS geometry); without one
    // from the catalog (tests), box's is known.
    const delimiter = column.elementDelimiter ?? (column.elementTypeName === 'box' ? ';' : ',');
    return arrayMapping(
      elementMapping(column, column.elementTypeName),
      delimiter,
      Math.max(1, column.arrayDimensions ?? 1),
    );
  }
  // Enums are strings: adding a label then needs no schema change (an Avro enum would). Composites and
  // ranges are their text form whatever their name (a user type may be called `date`).
  if (column.kind !== 'base' && column.kind !== 'domain') return asString;
  if (column.enumLabels) return asString;
  if (column.kind === 'base' && column.typeOid >= firstUserOid) return asString;
  // Domains arrive with their base type's name (see the catalog), so they map as the base type.
  return baseMapping(column.typeName, column.typeModifier);
}

export const pseudonymMapping: ValueMapping = asString;
