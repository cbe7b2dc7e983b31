/**
 * Which writer types a raw column takes without loss, and what to widen it to when it does not. The rule is
 * about each message's writer schema against the raw column, so it covers replays of older schemas (an
 * `integer` event into a raw `bigint`) and narrowings at the source (a source `bigint` now `integer`, raw still
 * `bigint`) alike.
 *
 * `widens(writer, raw)`: every value of the writer type lands exactly as the raw type, from the text the sink
 * writes for it (values/pg-text.ts):
 * - the same type; anything → `text` (the exact text form);
 * - smallint → integer → bigint → numeric (unconstrained, or with 5 / 10 / 19 integer digits);
 *   numeric(p,s) → numeric(p',s') with s' ≥ s and p'−s' ≥ p−s, and → unconstrained numeric;
 * - real → double precision (float4 → float8 is exact);
 * - character varying(n) and character(n) → character varying(m ≥ n) or unbounded (the text kept as sent,
 *   padding included); text → unbounded character varying;
 * - time, timetz, timestamp, timestamptz, interval(p) → the same with p' ≥ p;
 * - timestamp(p) → timestamptz(p' ≥ p): the wall-clock time is taken as UTC, written with an explicit +00;
 *   date → timestamp / timestamptz: midnight (UTC, with +00): the sink writes these so (pg-text.ts), whatever
 *   the session's TimeZone. ±infinity stay as they are;
 * - json → jsonb: jsonb keeps the value, not the spelling (whitespace, key order, and of duplicate keys only
 *   the last): what the source itself keeps after the same change, and what a jsonb column at the source would
 *   have sent. (A `\u0000` escape, which jsonb refuses, dead-letters that one row as a rejected row.)
 * - arrays element-wise, with the same dimensions, when the text needs no rewriting (integer[] → bigint[],
 *   character varying[] → text[]; not timestamp[] → timestamptz[]).
 * Anything else is a loss, even when today's values happen to fit (bigint → integer, text → integer):
 * the table pauses until the raw column is migrated to `commonType(raw, writer)`.
 */
import {
  type BuiltinTypeName,
  builtinSqlType,
  type SqlType,
  sameSqlType,
} from '../../../lib/postgres/index.ts';

const text = builtinSqlType('text');

/** Digits before the decimal point each integer type needs: 32767, 2147483647, 9223372036854775807. */
const integerDigits: Partial<Record<BuiltinTypeName, number>> = { smallint: 5, integer: 10, bigint: 19 };

const builtinName = (type: SqlType): BuiltinTypeName | undefined =>
  type.base.kind === 'builtin' ? type.base.name : undefined;

const isText = (type: SqlType) => builtinName(type) === 'text' && type.dimensions === 0;

/** Types with a precision in their modifiers, unconstrained meaning 6 digits of fractional seconds. */
const fractionalTypes: ReadonlySet<BuiltinTypeName | undefined> = new Set([
  'time without time zone',
  'time with time zone',
  'timestamp without time zone',
  'timestamp with time zone',
]);

const precisionOf = (type: SqlType) => type.modifiers[0] ?? 6;

/** numeric's [integer digits, scale]; `undefined` for unconstrained numeric or a non-number. */
function numericShape(type: SqlType): [number, number] | undefined {
  const name = builtinName(type);
  const digits = name === undefined ? undefined : integerDigits[name];
  if (digits !== undefined) return [digits, 0];
  if (name !== 'numeric' || type.modifiers.length === 0) return undefined;
  const [precision, scale] = type.modifiers as [number, number];
  return [precision - scale, scale];
}

const isNumber = (type: SqlType) => builtinName(type) === 'numeric' || numericShape(type) !== undefined;

/** character varying(n) or character(n): the length; unbounded (text too): Infinity; otherwise undefined. */
function characterLength(type: SqlType): number | undefined {
  const name = builtinName(type);
  if (name === 'bpchar' || name === 'text') return Number.POSITIVE_INFINITY;
  if (name !== 'character varying' && name !== 'character') return undefined;
  return type.modifiers[0] ?? Number.POSITIVE_INFINITY;
}

/**
 * One value of `from` written as `to` (both scalars). `rewriting`: whether the sink may rewrite the text
 * (timestamp → timestamptz, date → timestamp): it does so for a column, not for an array's elements.
 */
function scalarWidens(from: SqlType, to: SqlType, rewriting: boolean): boolean {
  if (sameSqlType(from, to) || isText(to)) return true;
  const fromName = builtinName(from);
  const toName = builtinName(to);
  if (fromName === undefined || toName === undefined) return false; // user types: only themselves, or text
  if (isNumber(from) && isNumber(to)) {
    const fromShape = numericShape(from);
    const toShape = numericShape(to);
    if (toShape === undefined) return toName === 'numeric'; // unconstrained numeric takes any number
    if (fromShape === undefined) return false;
    if (toName !== 'numeric' && fromName === 'numeric') return false; // numeric(5,0) is not an integer type
    return toShape[1] >= fromShape[1] && toShape[0] >= fromShape[0];
  }
  if (fromName === 'real') return toName === 'double precision';
  const fromLength = characterLength(from);
  if (fromLength !== undefined) {
    return toName === 'character varying' && (characterLength(to) as number) >= fromLength;
  }
  if (fractionalTypes.has(fromName) && fractionalTypes.has(toName)) {
    if (precisionOf(to) < precisionOf(from)) return false;
    return (
      fromName === toName ||
      (rewriting && fromName === 'timestamp without time zone' && toName === 'timestamp with time zone')
    );
  }
  if (fromName === 'date') {
    return rewriting && (toName === 'timestamp without time zone' || toName === 'timestamp with time zone');
  }
  if (fromName === 'interval' && toName === 'interval') {
    return to.intervalFields === undefined && precisionOf(to) >= precisionOf(from);
  }
  return fromName === 'json' && toName === 'jsonb';
}

/** Every value of the writer type lands in the raw column type as it is (see the header). */
export function widens(writer: SqlType, raw: SqlType): boolean {
  if (isText(raw)) return true;
  if (writer.dimensions !== raw.dimensions) return false;
  const element = (type: SqlType): SqlType => ({ ...type, dimensions: 0 });
  return scalarWidens(element(writer), element(raw), writer.dimensions === 0);
}

/** The smallest scalar type both widen to, when the lattice has one short of text. */
function scalarJoin(a: SqlType, b: SqlType): SqlType | undefined {
  const nameA = builtinName(a);
  const nameB = builtinName(b);
  if (nameA === undefined || nameB === undefined) return undefined;
  if (isNumber(a) && isNumber(b)) {
    const shapeA = numericShape(a);
    const shapeB = numericShape(b);
    if (shapeA === undefined || shapeB === undefined) return builtinSqlType('numeric');
    const scale = Math.max(shapeA[1], shapeB[1]);
    const precision = Math.max(shapeA[0], shapeB[0]) + scale;
    return precision >= 1 && precision <= 1000
      ? builtinSqlType('numeric', [precision, scale])
      : builtinSqlType('numeric');
  }
  if (
    (nameA === 'real' || nameA === 'double precision') &&
    (nameB === 'real' || nameB === 'double precision')
  ) {
    return builtinSqlType('double precision');
  }
  const lengthA = characterLength(a);
  const lengthB = characterLength(b);
  if (lengthA !== undefined && lengthB !== undefined) {
    const length = Math.max(lengthA, lengthB);
    return builtinSqlType('character varying', Number.isFinite(length) ? [length] : []);
  }
  const temporal = [nameA, nameB].map((name) => (name === 'date' ? 'timestamp without time zone' : name));
  if (temporal.every((name) => fractionalTypes.has(name as BuiltinTypeName))) {
    const zoned = temporal.includes('timestamp with time zone');
    const [first, second] = temporal;
    const name =
      first === second
        ? (first as BuiltinTypeName)
        : zoned && temporal.includes('timestamp without time zone')
          ? 'timestamp with time zone'
          : undefined;
    if (name === undefined) return undefined;
    // Unconstrained (6 digits) unless both say fewer.
    const precisions = [a, b].filter((type) => builtinName(type) !== 'date').map(precisionOf);
    const precision = Math.max(...precisions);
    const constrained = [a, b].every((type) => builtinName(type) === 'date' || type.modifiers.length > 0);
    return builtinSqlType(name, constrained && precision < 6 ? [precision] : []);
  }
  return undefined;
}

/**
 * The smallest type both `a` and `b` widen to: what to migrate a raw column of type `a` to so that it takes the
 * writer type `b` too (never narrower than `a`). Text when nothing smaller fits both; arrays keep their
 * dimensions when their elements join without rewriting (integer[] and bigint[] → bigint[]).
 */
export function commonType(a: SqlType, b: SqlType): SqlType {
  if (widens(b, a)) return a;
  if (widens(a, b)) return b;
  if (a.dimensions === b.dimensions) {
    const join = scalarJoin({ ...a, dimensions: 0 }, { ...b, dimensions: 0 });
    const candidate = join && { ...join, dimensions: a.dimensions };
    if (candidate && widens(a, candidate) && widens(b, candidate)) return candidate;
    if (a.dimensions > 0) return { ...text, dimensions: a.dimensions };
  }
  return text;
}
