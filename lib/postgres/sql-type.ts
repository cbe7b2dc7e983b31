/**
 * PostgreSQL type names, parsed strictly: the one place that decides "is this a type name". A type name
 * cannot be a bind parameter, so wherever one reaches SQL (DDL, casts, suggested migrations) it must have come
 * through here, whether it was read from the catalog or from an untrusted source (a registry schema's
 * `cdc.sqlType`), and be printed again by `formatSqlType` from its validated parts, never passed on as given.
 *
 * What parses is what `format_type(oid, typmod)` prints (`integer`, `numeric(12,2)`, `character varying(50)`,
 * `timestamp(3) with time zone`, `interval day to second(3)`, `"char"`, `text[]`, `public.mood`, `"My Type"`)
 * plus the catalog names of the built-ins (`int4`, `varchar(10)`, `timestamptz`, ...: a domain's base type is
 * reported by its catalog name), each normalised to the `format_type` spelling. A user type (enum, domain,
 * extension type) is a plain lower-case or double-quoted identifier, optionally schema-qualified, without
 * modifiers. Anything else (other characters, comments, statements, unknown modifiers, out-of-range lengths)
 * does not parse: `undefined`, never a best effort.
 */
import { quoteIdentifier } from './identifiers.ts';
import {
  aliases,
  type BuiltinTypeName,
  grammarTypes,
  type IntervalFields,
  intervalFields,
  plainTypeNames,
} from './sql-type-names.ts';

export type { BuiltinTypeName, IntervalFields } from './sql-type-names.ts';

export type SqlTypeBase =
  | { kind: 'builtin'; name: BuiltinTypeName }
  | { kind: 'user'; schema: string | undefined; name: string };

export interface SqlType {
  base: SqlTypeBase;
  /**
   * The type modifiers, normalised: numeric `[precision, scale]` or `[]`; character varying, character and bit
   * `[length]` (`[]` for unbounded character varying and bit varying); time, timestamp and interval
   * `[precision]` or `[]`.
   */
  modifiers: readonly number[];
  /** interval only: the fields it is restricted to. */
  intervalFields: IntervalFields | undefined;
  /** Array dimensions (`format_type` prints one `[]` whatever the declared number; the reader writes them all). */
  dimensions: number;
}

/** PostgreSQL's limits (NAMEDATALEN - 1, MAXDIM, the typmod input functions' ranges). */
const limits = {
  text: 300,
  identifierBytes: 63,
  dimensions: 6,
  numericPrecision: 1000,
  numericScale: 1000,
  characterLength: 10_485_760,
  bitLength: 83_886_080,
  fractionalDigits: 6,
} as const;

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'symbol'; text: SymbolText };

type SymbolText = '(' | ')' | ',' | '.' | '[' | ']' | '-';
const symbols: ReadonlySet<string> = new Set<SymbolText>(['(', ')', ',', '.', '[', ']', '-']);

// Lower case, digits and _ only: format_type quotes any other name, so nothing else is its output unquoted.
const wordPattern = /^[a-z_][a-z0-9_]*/;
const numberPattern = /^[0-9]{1,9}/;
// A quoted identifier: anything but control characters, with "" for a quote.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const quotedPattern = /^"((?:[^"\u0000-\u001f\u007f]|"")+)"/;

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let rest = text;
  while (rest.length > 0) {
    if (rest.startsWith(' ')) {
      rest = rest.slice(1);
      continue;
    }
    const symbol = rest[0] as string;
    if (symbols.has(symbol)) {
      tokens.push({ kind: 'symbol', text: symbol as SymbolText });
      rest = rest.slice(1);
      continue;
    }
    const word = wordPattern.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', text: word[0] });
      rest = rest.slice(word[0].length);
      continue;
    }
    const number = numberPattern.exec(rest);
    if (number) {
      if (/^[0-9a-z_]/.test(rest.slice(number[0].length))) return undefined; // 12abc, or too many digits
      tokens.push({ kind: 'number', value: Number(number[0]) });
      rest = rest.slice(number[0].length);
      continue;
    }
    const quoted = quotedPattern.exec(rest);
    if (quoted) {
      tokens.push({ kind: 'quoted', text: (quoted[1] as string).replaceAll('""', '"') });
      rest = rest.slice(quoted[0].length);
      continue;
    }
    return undefined; // ; ' / * \ newlines, tabs, a lone quote...
  }
  return tokens;
}

class Tokens {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.position >= this.tokens.length;
  }

  peekWord(offset = 0): string | undefined {
    const token = this.tokens[this.position + offset];
    return token?.kind === 'word' ? token.text : undefined;
  }

  /** Consumes the words if they come next, in order. */
  words(...expected: string[]): boolean {
    if (!expected.every((word, index) => this.peekWord(index) === word)) return false;
    this.position += expected.length;
    return true;
  }

  symbol(expected: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== 'symbol' || token.text !== expected) return false;
    this.position++;
    return true;
  }

  next(): Token | undefined {
    return this.tokens[this.position++];
  }

  /** `(n)` or `(n,m)`, negative numbers allowed (numeric scale); `[]` when there is no parenthesis. */
  modifiers(): number[] | undefined {
    if (!this.symbol('(')) return [];
    const values: number[] = [];
    for (;;) {
      const negative = this.symbol('-');
      const token = this.next();
      if (token?.kind !== 'number') return undefined;
      values.push(negative ? -token.value : token.value);
      if (this.symbol(')')) return values;
      if (!this.symbol(',')) return undefined;
    }
  }
}

const between = (value: number | undefined, low: number, high: number) =>
  value !== undefined && Number.isInteger(value) && value >= low && value <= high;

/** The modifiers a built-in takes, normalised; `undefined` when it does not take these. */
function checkedModifiers(name: BuiltinTypeName, modifiers: number[]): number[] | undefined {
  const [first, second] = modifiers;
  switch (name) {
    case 'numeric':
      if (modifiers.length === 0) return [];
      if (modifiers.length > 2 || !between(first, 1, limits.numericPrecision)) return undefined;
      if (modifiers.length === 1) return [first as number, 0];
      return between(second, -limits.numericScale, limits.numericScale) ? modifiers : undefined;
    case 'character varying':
    case 'character':
      if (modifiers.length === 0) return name === 'character' ? [1] : []; // char alone is char(1)
      return modifiers.length === 1 && between(first, 1, limits.characterLength) ? modifiers : undefined;
    case 'bit':
    case 'bit varying':
      if (modifiers.length === 0) return name === 'bit' ? [1] : [];
      return modifiers.length === 1 && between(first, 1, limits.bitLength) ? modifiers : undefined;
    case 'time without time zone':
    case 'time with time zone':
    case 'timestamp without time zone':
    case 'timestamp with time zone':
    case 'interval':
      if (modifiers.length === 0) return [];
      return modifiers.length === 1 && between(first, 0, limits.fractionalDigits) ? modifiers : undefined;
    default:
      return modifiers.length === 0 ? [] : undefined;
  }
}

/** `with time zone` / `without time zone` after time or timestamp (and its precision). */
function zoneSuffix(tokens: Tokens): 'with' | 'without' | undefined {
  if (tokens.words('with', 'time', 'zone')) return 'with';
  if (tokens.words('without', 'time', 'zone')) return 'without';
  return undefined;
}

/** interval's fields: `year`, `day to second`, ... (the longest match). */
function intervalFieldsOf(tokens: Tokens): IntervalFields | undefined {
  const first = tokens.peekWord();
  if (first === undefined || !intervalFields.has(first)) return undefined;
  const last = tokens.peekWord(2);
  if (tokens.peekWord(1) === 'to' && last !== undefined && intervalFields.has(`${first} to ${last}`)) {
    tokens.words(first, 'to', last);
    return `${first} to ${last}` as IntervalFields;
  }
  tokens.words(first);
  return first as IntervalFields;
}

type Parsed = { base: SqlTypeBase; modifiers: number[]; intervalFields?: IntervalFields };

function builtin(name: BuiltinTypeName, modifiers: number[] | undefined): Parsed | undefined {
  const checked = modifiers && checkedModifiers(name, modifiers);
  return checked ? { base: { kind: 'builtin', name }, modifiers: checked } : undefined;
}

/** The keyword-grammar built-ins; `null` when the next words are not one of them (maybe a user type). */
function grammarType(tokens: Tokens): Parsed | undefined | null {
  if (tokens.words('double', 'precision')) return builtin('double precision', []);
  if (tokens.words('character', 'varying') || tokens.words('varchar')) {
    return builtin('character varying', tokens.modifiers());
  }
  if (tokens.words('character') || tokens.words('char')) return builtin('character', tokens.modifiers());
  if (tokens.words('bit', 'varying') || tokens.words('varbit'))
    return builtin('bit varying', tokens.modifiers());
  if (tokens.words('bit')) return builtin('bit', tokens.modifiers());
  for (const kind of ['time', 'timestamp'] as const) {
    if (tokens.words(kind)) {
      const modifiers = tokens.modifiers();
      const zone = zoneSuffix(tokens) ?? 'without';
      return builtin(`${kind} ${zone} time zone`, modifiers);
    }
    if (tokens.words(`${kind}tz`)) return builtin(`${kind} with time zone`, tokens.modifiers());
  }
  if (tokens.words('interval')) {
    const fields = intervalFieldsOf(tokens);
    const parsed = builtin('interval', tokens.modifiers());
    // Precision belongs to seconds: `interval day to second(3)`, `interval(3)`, not `interval year(3)`.
    if (parsed && fields && parsed.modifiers.length > 0 && !fields.endsWith('second')) return undefined;
    return parsed && { ...parsed, intervalFields: fields };
  }
  const word = tokens.peekWord();
  if (word === undefined) return null;
  const name =
    aliases[word] ?? (plainTypeNames.has(word) || grammarTypes.includes(word as never) ? word : undefined);
  if (name === undefined || tokens.peekWord(1) !== undefined) return null;
  tokens.words(word);
  return builtin(name as BuiltinTypeName, tokens.modifiers());
}

function identifier(token: Token | undefined): string | undefined {
  if (token?.kind !== 'word' && token?.kind !== 'quoted') return undefined;
  return Buffer.byteLength(token.text, 'utf8') <= limits.identifierBytes ? token.text : undefined;
}

/** A user type: `name`, `"Name"`, `schema.name`; no modifiers (the reader never sends them for user types). */
function userType(tokens: Tokens, first: Token | undefined): Parsed | undefined {
  const name = identifier(first);
  if (name === undefined) return undefined;
  if (!tokens.symbol('.')) return { base: { kind: 'user', schema: undefined, name }, modifiers: [] };
  const qualified = identifier(tokens.next());
  return qualified === undefined
    ? undefined
    : { base: { kind: 'user', schema: name, name: qualified }, modifiers: [] };
}

/** Parses a type name (see the header); `undefined` for anything that is not one. */
export function parseSqlType(text: unknown): SqlType | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > limits.text) return undefined;
  const list = tokenize(text);
  if (!list) return undefined;
  const tokens = new Tokens(list);
  const [first, second] = list;
  let parsed: Parsed | undefined;
  // "char" (quoted) is the one-byte internal type, not a user type; "char".x would be a schema named char.
  if (
    first?.kind === 'quoted' &&
    first.text === 'char' &&
    !(second?.kind === 'symbol' && second.text === '.')
  ) {
    tokens.next();
    parsed = builtin('"char"', []);
  } else {
    const grammar = grammarType(tokens);
    parsed = grammar === null ? userType(tokens, tokens.next()) : grammar;
  }
  if (!parsed) return undefined;
  let dimensions = 0;
  while (tokens.symbol('[')) {
    if (!tokens.symbol(']') || ++dimensions > limits.dimensions) return undefined;
  }
  if (!tokens.done) return undefined;
  return {
    base: parsed.base,
    modifiers: parsed.modifiers,
    intervalFields: parsed.intervalFields,
    dimensions,
  };
}

/** The type name as `format_type` spells it (user types always quoted): safe to put in SQL as a type. */
export function formatSqlType(type: SqlType): string {
  return `${formatBase(type)}${'[]'.repeat(type.dimensions)}`;
}

function formatBase({ base, modifiers, intervalFields }: SqlType): string {
  if (base.kind === 'user') {
    const name = quoteIdentifier(base.name);
    return base.schema === undefined ? name : `${quoteIdentifier(base.schema)}.${name}`;
  }
  const arguments_ = modifiers.length > 0 ? `(${modifiers.join(',')})` : '';
  if (base.name === 'interval') return `interval${intervalFields ? ` ${intervalFields}` : ''}${arguments_}`;
  // time(3) with time zone: the precision goes after the first word.
  const space = base.name.startsWith('time') ? base.name.indexOf(' ') : -1;
  return space < 0
    ? `${base.name}${arguments_}`
    : `${base.name.slice(0, space)}${arguments_}${base.name.slice(space)}`;
}

/** Same type (same base, modifiers and dimensions), whichever spelling each was parsed from. */
export function sameSqlType(a: SqlType, b: SqlType): boolean {
  return formatSqlType(a) === formatSqlType(b);
}

/** A built-in type without modifiers (`text`, `bigint`, ...), or with the given ones. */
export function builtinSqlType(
  name: BuiltinTypeName,
  modifiers: readonly number[] = [],
  dimensions = 0,
): SqlType {
  return { base: { kind: 'builtin', name }, modifiers, intervalFields: undefined, dimensions };
}
