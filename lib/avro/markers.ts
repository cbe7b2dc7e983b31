/**
 * Enums that stand for values a column's own Avro type cannot hold, each a logical type so that its JS value
 * can never be mistaken for a real value in an unwrapped union (see README.md):
 * - `cdc.UnchangedToast` {UNCHANGED_TOAST}: the column was not sent (unchanged TOAST); JS value: the
 *   `unchangedToastValue` symbol, the same registered symbol as the reader model's `unchangedToast`;
 * - `cdc.SpecialNumeric` {NaN, POSITIVE_INFINITY, NEGATIVE_INFINITY}: numeric NaN/±Infinity; JS values: the
 *   strings 'NaN', 'Infinity', '-Infinity' (PostgreSQL's spelling);
 * - `cdc.SpecialTemporal` {POSITIVE_INFINITY, NEGATIVE_INFINITY}: date/timestamp ±infinity; JS values:
 *   'infinity', '-infinity' (PostgreSQL's spelling).
 * Readers that do not know these logical types see plain enums, as the Avro spec requires.
 */
import avro from 'avsc';

/** `Symbol.for` so that lib and the reader's model (services/replication-reader/model.ts) share it. */
export const unchangedToastValue: unique symbol = Symbol.for('cdc.unchanged-toast');

/** JS value ↔ enum symbol, both ways; the enum's symbols must be exactly the map's values. */
export abstract class MarkerType extends avro.types.LogicalType {
  protected abstract readonly bySymbol: ReadonlyMap<string, unknown>;

  /** Whether `value` is one of this marker's JS values (marked-union.ts picks branches with it). */
  isMarkerValue(value: unknown): boolean {
    for (const jsValue of this.bySymbol.values()) if (jsValue === value) return true;
    return false;
  }

  protected checkSymbols(): void {
    const symbols = (this.underlyingType as avro.types.EnumType).symbols;
    const expected = [...this.bySymbol.keys()];
    if (this.underlyingType.typeName !== 'enum' || symbols.join(',') !== expected.join(',')) {
      throw new Error(`${this.typeName}: must be an enum with the symbols ${expected.join(', ')}`);
    }
  }

  protected override _fromValue(symbol: string): unknown {
    return this.bySymbol.get(symbol);
  }

  /**
   * `undefined` means "not mine" to avsc: while it picks the branch of a union it asks every marker about
   * every value, so throwing here (one Error with a stack trace per column per row) cost a quarter of the
   * reader's time.
   */
  protected override _toValue(value: unknown): string | undefined {
    for (const [symbol, jsValue] of this.bySymbol) if (jsValue === value) return symbol;
    return undefined;
  }

  protected override _resolve(writer: avro.Type): ((value: unknown) => unknown) | undefined {
    if (writer.typeName === this.typeName) return (value) => value;
    if (writer.typeName === 'enum') return (symbol) => this._fromValue(symbol as string);
    throw new Error(`cannot read ${writer.typeName} as ${this.typeName}`);
  }
}

export class UnchangedToastType extends MarkerType {
  protected readonly bySymbol = new Map<string, unknown>([['UNCHANGED_TOAST', unchangedToastValue]]);

  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    this.checkSymbols();
  }
}

export class SpecialNumericType extends MarkerType {
  protected readonly bySymbol = new Map<string, unknown>([
    ['NaN', 'NaN'],
    ['POSITIVE_INFINITY', 'Infinity'],
    ['NEGATIVE_INFINITY', '-Infinity'],
  ]);

  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    this.checkSymbols();
  }
}

export class SpecialTemporalType extends MarkerType {
  protected readonly bySymbol = new Map<string, unknown>([
    ['POSITIVE_INFINITY', 'infinity'],
    ['NEGATIVE_INFINITY', '-infinity'],
  ]);

  constructor(schema: avro.Schema, options?: unknown) {
    super(schema, options);
    this.checkSymbols();
  }
}
