/**
 * PostgreSQL's array text syntax (array_out / array_in), e.g. `{1,NULL,"a,b","c\"d"}`, `{{1,2},{3,4}}`,
 * `[0:1]={7,8}`, `{}`. Pure and total: every input either parses or throws a MappingProblem naming the
 * position (never the text).
 *
 * - Elements are strings (the element type's text form) or null (unquoted NULL, any case); a quoted "NULL"
 *   is the string.
 * - Multi-dimensional arrays become nested JS arrays; `{}` is an empty array (PostgreSQL's empty array has no
 *   dimensions at all).
 * - A `[lower:upper]=` prefix (array_out writes one when a lower bound is not 1) is checked against the
 *   elements; `lowerBounds` reads it. Avro arrays have no lower bound, so the mapping sends such a value as
 *   its exact text instead (column-types.ts).
 * - Whitespace around unquoted elements is ignored, as array_in does; backslash escapes any character.
 */
import { MappingProblem } from './problem.ts';

export type ArrayElement = string | null | ArrayText;
export type ArrayText = ArrayElement[];

const dimensionPrefix = /^(?:\[-?\d+:-?\d+\])+=/;
const dimensionBounds = /\[(-?\d+):(-?\d+)\]/g;

interface Bounds {
  lower: number;
  upper: number;
}

function declaredBounds(text: string): Bounds[] | undefined {
  const prefix = dimensionPrefix.exec(text);
  if (!prefix) return undefined;
  return [...prefix[0].matchAll(dimensionBounds)].map(([, lower, upper]) => ({
    lower: Number(lower),
    upper: Number(upper),
  }));
}

/** The lower bound of each dimension when the text declares them (`[0:1]={7,8}` → [0]); undefined: all 1. */
export function lowerBounds(text: string): number[] | undefined {
  return declaredBounds(text)?.map((bounds) => bounds.lower);
}

export function parseArrayText(text: string, delimiter = ','): ArrayText {
  const bounds = declaredBounds(text);
  const prefixLength = bounds ? (dimensionPrefix.exec(text) as RegExpExecArray)[0].length : 0;
  const parser = new Parser(text, delimiter, prefixLength);
  parser.skipSpace();
  const value = parser.parseArray();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected characters after the array');
  if (bounds) checkBounds(value, bounds);
  return value;
}

/** The declared bounds must describe the elements: one pair per dimension, each as long as its sub-arrays. */
function checkBounds(value: ArrayText, bounds: readonly Bounds[]): void {
  if (arrayDimensions(value) !== bounds.length) {
    throw new MappingProblem('malformed array: its bounds do not match its dimensions');
  }
  let level: ArrayElement = value;
  for (const { lower, upper } of bounds) {
    const elements = level as ArrayText;
    if (upper - lower + 1 !== elements.length) {
      throw new MappingProblem('malformed array: its bounds do not match its length');
    }
    level = elements[0] ?? null;
  }
}

/** Number of dimensions of a parsed array (0 for `{}`); throws when sub-arrays disagree. */
export function arrayDimensions(value: ArrayText): number {
  if (value.length === 0) return 0;
  const nested = value.map((element) => (Array.isArray(element) ? 1 + arrayDimensions(element) : 1));
  if (nested.some((depth) => depth !== nested[0])) {
    throw new MappingProblem('malformed array: sub-arrays of different dimensions');
  }
  return nested[0] ?? 0;
}

class Parser {
  constructor(
    private readonly text: string,
    private readonly delimiter: string,
    private position: number,
  ) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  fail(reason: string): never {
    throw new MappingProblem(`malformed array text at position ${this.position}: ${reason}`);
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.text[this.position] as string)) this.position++;
  }

  parseArray(): ArrayText {
    if (this.text[this.position] !== '{') this.fail('expected "{"');
    this.position++;
    const elements: ArrayText = [];
    this.skipSpace();
    if (this.text[this.position] === '}') {
      this.position++;
      return elements;
    }
    for (;;) {
      this.skipSpace();
      const next = this.text[this.position];
      if (next === '{') elements.push(this.parseArray());
      else if (next === '"') elements.push(this.parseQuoted());
      else elements.push(this.parseUnquoted());
      this.skipSpace();
      const separator = this.text[this.position];
      this.position++;
      if (separator === '}') return elements;
      if (separator !== this.delimiter) this.fail(`expected "${this.delimiter}" or "}"`);
    }
  }

  private parseQuoted(): string {
    this.position++; // opening quote
    let value = '';
    for (;;) {
      if (this.atEnd()) this.fail('unterminated quoted element');
      const char = this.text[this.position++] as string;
      if (char === '"') return value;
      if (char === '\\') {
        if (this.atEnd()) this.fail('backslash at the end');
        value += this.text[this.position++];
      } else {
        value += char;
      }
    }
  }

  private parseUnquoted(): string | null {
    let value = '';
    // Trailing whitespace is dropped, but not whitespace that a backslash protected.
    let keptLength = 0;
    let escaped = false;
    for (;;) {
      if (this.atEnd()) this.fail('unterminated array');
      const char = this.text[this.position] as string;
      if (char === this.delimiter || char === '}') break;
      if (char === '{' || char === '"') this.fail('unexpected character in an unquoted element');
      this.position++;
      if (char === '\\') {
        if (this.atEnd()) this.fail('backslash at the end');
        value += this.text[this.position++];
        keptLength = value.length;
        escaped = true;
      } else {
        value += char;
        if (!/\s/.test(char)) keptLength = value.length;
      }
    }
    value = value.slice(0, keptLength);
    if (value.length === 0) this.fail('empty unquoted element');
    return !escaped && value.toUpperCase() === 'NULL' ? null : value;
  }
}
