/**
 * Decoded Avro values → PostgreSQL's text input form, driven by the field's Avro type (the JS value alone is
 * ambiguous: a date is a number of days, a timestamp a bigint of microseconds). The text is what the raw
 * table's column type (the field's `cdc.sqlType`) parses back to the source value exactly:
 * - numeric: the decimal string as is, NaN and ±Infinity included;
 * - date, time, timestamp(tz): PostgreSQL's own ISO formats with microseconds (BC dates too); ±infinity as is;
 * - double/real: the shortest round-trip form, NaN, ±Infinity and -0 kept;
 * - bytea: `\x` hex; arrays: array literals with every element quoted (NULL unquoted), nested for dimensions.
 * An unchanged TOAST value becomes `unchanged` (the sink keeps what it has); null stays null. A `cdc.PgText`
 * value (PostgreSQL's exact text of a value the typed branch cannot hold: a 2-dimensional array in an `int[]`,
 * a timestamp after Avro's range) is written as its text, as is: the raw column's type parses it.
 *
 * The raw column may be wider than the writer's type (an older schema replayed, a narrowing at the source; see
 * schema/widening.ts). Two widenings change what the text means, so the writer for that raw type (`into`)
 * writes it so that no session setting can change it: a timestamp into a timestamptz column is taken as UTC
 * and written with `+00` (the MERGE's cast would otherwise read it in the session's TimeZone), a date into a
 * timestamp or timestamptz column as its midnight (UTC, `+00` for timestamptz). ±infinity stay as they are.
 */
import {
  formatDate,
  formatTimeMicros,
  formatTimestampMicros,
  logicalTypeNames,
  microsPerDay,
  PgTextValue,
  unchangedToastValue,
} from '../../../lib/avro/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { SqlType } from '../../../lib/postgres/index.ts';

export const unchanged: unique symbol = Symbol('unchanged');

export type PgText = string | null | typeof unchanged;

type Schema =
  | string
  | Schema[]
  | {
      type: Schema;
      logicalType?: string;
      items?: Schema;
      name?: string;
      namespace?: string;
      fields?: { type: Schema }[];
    };

export type TextWriter = (value: unknown) => PgText;

function invalid(expected: string, value: unknown): never {
  // Never the value itself: it is row data.
  throw new PipelineError(
    'DECODE_FAILED',
    `expected ${expected}, got a ${value === null ? 'null' : typeof value}`,
  );
}

function float(value: unknown): string {
  if (typeof value !== 'number') invalid('a number', value);
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return Object.is(value, -0) ? '-0' : String(value);
}

/** Strings that stand for values the Avro type cannot hold (cdc.SpecialNumeric, cdc.SpecialTemporal). */
const specials = new Set(['NaN', 'Infinity', '-Infinity', 'infinity', '-infinity']);

/** The timestamp column type a scalar raw type is, if it is one (what a date or a timestamp is written into). */
function timestampTarget(into: SqlType | undefined): 'timestamp' | 'timestamptz' | undefined {
  if (into?.dimensions !== 0 || into.base.kind !== 'builtin') return undefined;
  if (into.base.name === 'timestamp with time zone') return 'timestamptz';
  return into.base.name === 'timestamp without time zone' ? 'timestamp' : undefined;
}

function scalarWriter(schema: Schema, named: Map<string, Schema>, into?: SqlType): TextWriter {
  if (typeof schema === 'string') {
    const resolved = named.get(schema);
    if (resolved) return scalarWriter(resolved, named, into);
    switch (schema) {
      case 'string':
        return (value) => (typeof value === 'string' ? value : invalid('a string', value));
      case 'boolean':
        return (value) => (typeof value === 'boolean' ? (value ? 't' : 'f') : invalid('a boolean', value));
      case 'int':
        return (value) => (typeof value === 'number' ? String(value) : invalid('an int', value));
      case 'long':
        return (value) =>
          typeof value === 'bigint' || typeof value === 'number' ? String(value) : invalid('a long', value);
      case 'float':
      case 'double':
        return float;
      case 'bytes':
        return (value) => (Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : invalid('bytes', value));
      default:
        throw new PipelineError('SCHEMA_INCOMPATIBLE', `no PostgreSQL text form for Avro type ${schema}`);
    }
  }
  if (Array.isArray(schema)) throw new PipelineError('SCHEMA_INCOMPATIBLE', 'nested unions are not Avro');
  if (schema.type === 'array') {
    const literal = arrayWriter(schema.items as Schema, named);
    return (value) => (Array.isArray(value) ? literal(value) : invalid('an array', value));
  }
  if (schema.type === 'enum')
    return (value) => (typeof value === 'string' ? value : invalid('a symbol', value));
  switch (schema.logicalType) {
    case logicalTypeNames.decimal:
    case logicalTypeNames.variableScaleDecimal:
    case logicalTypeNames.uuid:
      return (value) => (typeof value === 'string' ? value : invalid('a string', value));
    case logicalTypeNames.date: {
      const target = timestampTarget(into);
      if (target) {
        const utcOffset = target === 'timestamptz';
        return (value) =>
          typeof value === 'number'
            ? formatTimestampMicros(BigInt(value) * microsPerDay, { utcOffset })
            : invalid('days', value);
      }
      return (value) => (typeof value === 'number' ? formatDate(value) : invalid('days', value));
    }
    case logicalTypeNames.timeMicros:
      return (value) =>
        typeof value === 'bigint' ? formatTimeMicros(value) : invalid('microseconds', value);
    case logicalTypeNames.timestampMicros:
      return (value) =>
        typeof value === 'bigint'
          ? formatTimestampMicros(value, { utcOffset: true })
          : invalid('microseconds', value);
    case logicalTypeNames.localTimestampMicros: {
      const utcOffset = timestampTarget(into) === 'timestamptz';
      return (value) =>
        typeof value === 'bigint'
          ? formatTimestampMicros(value, { utcOffset })
          : invalid('microseconds', value);
    }
    default:
      // A named type defined inline (record, fixed) or a logical type we do not know: its underlying type.
      return scalarWriter(schema.type, named, into);
  }
}

/** The non-null branch of an array's items (arrays of nullable elements are unions with null). */
function itemSchema(items: Schema, named: Map<string, Schema>): Schema {
  const [branch, ...others] = valueBranchesOf(Array.isArray(items) ? items : [items], named);
  if (branch === undefined || others.length > 0) {
    throw new PipelineError('SCHEMA_INCOMPATIBLE', 'array items must have one value type');
  }
  return typeof branch === 'string' ? (named.get(branch) ?? branch) : branch;
}

/**
 * Array literal: NULL bare, every other element double-quoted with \ and " escaped; an element that is itself
 * an array (a multidimensional column, as nested Avro arrays or as nested values) is a nested literal, unquoted.
 */
function arrayWriter(items: Schema, named: Map<string, Schema>): (values: readonly unknown[]) => string {
  const item = itemSchema(items, named);
  const nested =
    typeof item === 'object' && !Array.isArray(item) && item.type === 'array'
      ? arrayWriter(item.items as Schema, named)
      : undefined;
  const element = nested ? undefined : writerFor(items, named);
  const literal = (values: readonly unknown[]): string => {
    const parts = values.map((value) => {
      if (value === null || value === undefined) return 'NULL';
      if (nested) return Array.isArray(value) ? nested(value) : invalid('an array', value);
      if (Array.isArray(value)) return literal(value);
      const text = (element as TextWriter)(value);
      if (text === null) return 'NULL';
      if (text === unchanged) return invalid('an array element', value);
      return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    });
    return `{${parts.join(',')}}`;
  };
  return literal;
}

/** Collects the named types a schema defines inline (records' fields included), so references by name resolve. */
export function collectNamed(schema: Schema, named: Map<string, Schema>, namespace?: string): void {
  if (typeof schema === 'string') return;
  if (Array.isArray(schema)) {
    for (const branch of schema) collectNamed(branch, named, namespace);
    return;
  }
  if (schema.name) {
    const space = schema.namespace ?? namespace;
    named.set(schema.name.includes('.') || !space ? schema.name : `${space}.${schema.name}`, schema);
  }
  if (schema.items) collectNamed(schema.items, named, schema.namespace ?? namespace);
  if (typeof schema.type === 'object') collectNamed(schema.type, named, schema.namespace ?? namespace);
  for (const field of schema.fields ?? []) collectNamed(field.type, named, schema.namespace ?? namespace);
}

/**
 * The branches that hold values: not null, not the markers (unchanged TOAST, special numeric or temporal), not
 * the exact-text escape (PgText).
 */
function valueBranchesOf(branches: readonly Schema[], named: Map<string, Schema>): Schema[] {
  return branches.filter((branch) => {
    const resolved = typeof branch === 'string' ? (named.get(branch) ?? branch) : branch;
    if (resolved === 'null') return false;
    const logical =
      typeof resolved === 'object' && !Array.isArray(resolved) ? resolved.logicalType : undefined;
    return (
      logical !== logicalTypeNames.unchangedToast &&
      logical !== logicalTypeNames.specialNumeric &&
      logical !== logicalTypeNames.specialTemporal &&
      logical !== logicalTypeNames.pgText
    );
  });
}

/**
 * The writer of one field's values (a union of null, the value's branches and the markers, or a plain type),
 * for a raw column of type `into` (its own type when not given).
 */
export function writerFor(schema: Schema, named = new Map<string, Schema>(), into?: SqlType): TextWriter {
  collectNamed(schema, named);
  const valueBranches = valueBranchesOf(Array.isArray(schema) ? schema : [schema], named);
  if (valueBranches.length !== 1) {
    throw new PipelineError(
      'SCHEMA_INCOMPATIBLE',
      `a field must have one value type, not ${valueBranches.length}`,
    );
  }
  const write = scalarWriter(valueBranches[0] as Schema, named, into);
  return (value) => {
    if (value === null || value === undefined) return null;
    if (value === unchangedToastValue) return unchanged;
    if (value instanceof PgTextValue) return value.text;
    if (typeof value === 'string' && specials.has(value) && typeof valueBranches[0] !== 'string')
      return value;
    return write(value);
  };
}
