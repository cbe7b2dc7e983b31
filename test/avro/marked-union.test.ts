/**
 * Row-field unions pick their branch without asking every logical branch (lib/avro/marked-union.ts): the
 * bytes must be exactly what avsc's own unwrapped union writes, and bad values must still be refused.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  avroType,
  avroTypeOptions,
  decimalSchema,
  sharedNamedTypes,
  unchangedToastValue,
} from '../../lib/avro/index.ts';

const field = (type: unknown) => ({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });
const decimalField = [
  'null',
  decimalSchema(12, 2),
  sharedNamedTypes['cdc.UnchangedToast'],
  sharedNamedTypes['cdc.SpecialNumeric'],
];

/** The same schema with avsc's own union handling (our options without the union hook). */
function plainAvscType(schema: unknown): avro.Type {
  const options = avroTypeOptions();
  const hook = options.typeHook as (schema: unknown, options: unknown) => avro.Type | undefined;
  return avro.Type.forSchema(schema as avro.Schema, {
    ...options,
    typeHook: ((inner: unknown, opts: unknown) =>
      Array.isArray(inner) ? undefined : hook(inner, opts)) as avro.ForSchemaOptions['typeHook'],
  });
}

describe('marked unions', () => {
  const ours = avroType(field(decimalField) as never);
  const theirs = plainAvscType(field(decimalField));

  it('writes the same bytes as avsc for null, a value, unchanged TOAST and each special', () => {
    const union = (ours as unknown as { fields: { type: object }[] }).fields[0]?.type;
    expect(union?.constructor.name).toBe('MarkedUnionType');
    for (const v of [null, '12.50', '-0.01', unchangedToastValue, 'NaN', 'Infinity', '-Infinity']) {
      const bytes = ours.toBuffer({ v });
      expect(bytes.equals(theirs.toBuffer({ v })), String(v)).toBe(true);
      expect(ours.fromBuffer(bytes).v).toEqual(theirs.fromBuffer(bytes).v);
    }
  });

  it('still refuses a value its value branch cannot hold, and isValid still checks it', () => {
    expect(() => ours.toBuffer({ v: 'not a number' })).toThrow();
    expect(ours.isValid({ v: 'not a number' })).toBe(false);
    expect(ours.isValid({ v: '1.25' })).toBe(true);
    expect(ours.isValid({ v: unchangedToastValue })).toBe(true);
  });

  it('refuses null when the union has no null branch', () => {
    const required = avroType(field([decimalSchema(5, 1), sharedNamedTypes['cdc.SpecialNumeric']]) as never);
    expect(() => required.toBuffer({ v: null })).toThrow();
    expect(required.fromBuffer(required.toBuffer({ v: 'NaN' })).v).toBe('NaN');
  });

  it('leaves other unions to avsc: ambiguous ones are wrapped, wrapUnions is obeyed', () => {
    const ambiguous = avroType(
      field([
        'null',
        { type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] },
        { type: 'record', name: 'B', fields: [{ name: 'y', type: 'int' }] },
      ]) as never,
    );
    expect((ambiguous as unknown as { fields: { type: avro.Type }[] }).fields[0]?.type.typeName).toBe(
      'union:wrapped',
    );
    const wrapped = avro.Type.forSchema(field(decimalField) as avro.Schema, {
      ...avroTypeOptions(),
      wrapUnions: true,
    });
    expect((wrapped as unknown as { fields: { type: avro.Type }[] }).fields[0]?.type.typeName).toBe(
      'union:wrapped',
    );
  });
});
