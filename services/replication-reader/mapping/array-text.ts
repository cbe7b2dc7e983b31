/**
 * PostgreSQL's array text syntax (array_out / array_in), e.g. `{1,NULL,"a,b","c\"d"}`, `{{1,2},{3,4}}`,
 * `[0:1]={7,8}`, `{}`. Pure and total: every input either parses or throws a MappingProblem naming the
 * position (never the text).
 *
 * - Elements are strings (the element type's text form) or null (unquoted NULL, any case); a quoted "NULL"
 *   is the string.
 * - Multi-dimensional arrays become nested JS arrays; `{}` is an empty array (PostgreSQL's empty array has no
 *   dimensions at all).
 * - A `[lower:upper]=` prefix (lower bound other than 1) is validated and dropped: Avro arrays have no lower
 *   bound, and downstream consumers index from the start anyway.
 * - Whitespace around unquoted elements is ignored, as array_in does; backslash escapes any character.
 */
import { MappingProblem } from './problem.ts';

export type ArrayElement = string | null | ArrayText;
export type ArrayText = ArrayElement[];

const dimensionPrefix = /^(\[-?\d+:-?\d+\])+=/;

export function parseArrayText(text: string, delimiter = ','): ArrayText {
  const prefix = dimensionPrefix.exec(text);
  const parser = new Parser(text, delimiter, prefix ? prefix[0].length : 0);
  parser.skipSpace();
  const value = parser.parseArray();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected characters after the array');
  return value;
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
