import { describe, expect, it } from 'vitest';
import { assertSlotName, quoteIdentifier, quoteLiteral } from '../../lib/postgres/index.ts';

describe('quoting for replication commands', () => {
  it('quotes identifiers, keeping case and doubling quotes', () => {
    expect(quoteIdentifier('Orders')).toBe('"Orders"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(() => quoteIdentifier('')).toThrow(/empty/);
  });

  it('quotes literals, doubling single quotes and leaving backslashes alone', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("'a\\b'");
  });

  it('refuses NUL bytes, which would cut the command short on the wire', () => {
    expect(() => quoteLiteral('a\u0000b')).toThrow(/NUL/);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(/NUL/);
  });

  it('accepts only the slot names PostgreSQL accepts', () => {
    expect(() => assertSlotName('cdc_core_1')).not.toThrow();
    for (const bad of ['', 'Upper', 'with-dash', 'x'.repeat(64), 'a b', 'slot"; DROP']) {
      expect(() => assertSlotName(bad)).toThrow(/invalid replication slot name/);
    }
  });
});
