/**
 * `cdc.PgText` (lib/avro/pg-text.ts): the exact-text escape branch of a field. Its JS value can never be
 * mistaken for a typed value (not even in a `string` field), marked unions pick it by `instanceof` and write the
 * same bytes avsc does, a reader without the logical type sees `{text}`, and it reads back from such a record.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  avroType,
  avroTypeOptions,
  PgTextValue,
  sharedNamedTypes,
  unchangedToastValue,
} from '../../lib/avro/index.ts';

const field = (type: unknown) => ({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });
const pgText = sharedNamedTypes['cdc.PgText'];
const toast = sharedNamedTypes['cdc.UnchangedToast'];
const special = sharedNamedTypes['cdc.SpecialTemporal'];
const timestamp = { type: 'long', logicalType: 'local-timestamp-micros' };

/** The same schema with avsc's own union handling (our options without the union hook). */
function plainAvscType(schema: unknown): avro.Type {
  const options = avroTypeOptions();
  const hook = options.typeHook as (schema: unknown, options: unknown) => avro.Type | undefined;
  return avro.Type.forSchema(schema as avro.Schema, {
    ...options,
    wrapUnions: false,
    typeHook: ((inner: unknown, opts: unknown) =>
      Array.isArray(inner) ? undefined : hook(inner, opts)) as avro.ForSchemaOptions['typeHook'],
  });
}

const unionOf = (type: avro.Type) => (type as unknown as { fields: { type: avro.Type }[] }).fields[0]?.type;

describe('cdc.PgText', () => {
  it('is a frozen value that never prints its text', () => {
    const value = new PgTextValue('{{1,2},{3,4}}');
    expect(value.text).toBe('{{1,2},{3,4}}');
    expect(Object.isFrozen(value)).toBe(true);
    expect(String(value)).toBe('[PgText]');
    expect(`${value}`).not.toContain('1,2');
  });

  it('tells exact text from a string value, null and "unchanged" in one union', () => {
    const type = avroType(field(['null', 'string', pgText, toast]) as never);
    expect(unionOf(type)?.constructor.name).toBe('MarkedUnionType');
    for (const v of ['{{1,2}}', new PgTextValue('{{1,2}}'), null, unchangedToastValue, new PgTextValue('')]) {
      const decoded = type.fromBuffer(type.toBuffer({ v })).v;
      expect(decoded).toEqual(v);
      expect(decoded instanceof PgTextValue).toBe(v instanceof PgTextValue);
    }
  });

  it('writes the same bytes as avsc for every branch of an array field and a timestamp field', () => {
    const cases: [unknown, unknown[]][] = [
      [
        ['null', { type: 'array', items: ['null', 'int'] }, pgText, toast],
        [null, [1, null], [], new PgTextValue('[0:1]={7,8}'), unchangedToastValue],
      ],
      [
        ['null', timestamp, special, pgText],
        [null, 1_000_000n, 'infinity', new PgTextValue('294250-01-01 00:00:00')],
      ],
    ];
    for (const [schema, values] of cases) {
      const ours = avroType(field(schema) as never);
      const theirs = plainAvscType(field(schema));
      expect(unionOf(ours)?.constructor.name).toBe('MarkedUnionType');
      for (const v of values) {
        const bytes = ours.toBuffer({ v });
        expect(bytes.equals(theirs.toBuffer({ v })), String(v)).toBe(true);
        expect(ours.fromBuffer(bytes).v).toEqual(v);
      }
    }
  });

  it('is a plain record {text} to a reader that does not know it, and reads back from one', () => {
    const ours = avroType(field(['null', 'string', pgText]) as never);
    const plain = avro.Type.forSchema(field(['null', 'string', pgText]) as avro.Schema, { wrapUnions: true });
    const bytes = ours.toBuffer({ v: new PgTextValue('{{1}}') });
    expect(plain.fromBuffer(bytes).v).toEqual({ 'cdc.PgText': { text: '{{1}}' } });
    // The record written without the logical type (another producer) resolves to a PgTextValue.
    const { logicalType: _, ...withoutLogicalType } = pgText;
    const writer = avro.Type.forSchema(field(['null', 'string', withoutLogicalType]) as avro.Schema, {
      wrapUnions: true,
    });
    const written = writer.toBuffer({ v: { 'cdc.PgText': { text: '[0:1]={7,8}' } } });
    expect(ours.fromBuffer(written, ours.createResolver(writer)).v).toEqual(new PgTextValue('[0:1]={7,8}'));
  });

  it('refuses a value that is not a PgTextValue, and a schema that is not {text: string}', () => {
    const type = avroType(field(['null', { type: 'array', items: 'int' }, pgText]) as never);
    expect(type.isValid({ v: { text: 'looks like one' } })).toBe(false);
    expect(() => type.toBuffer({ v: 'a string' })).toThrow();
    expect(() => avroType({ ...pgText, fields: [{ name: 'text', type: 'bytes' }] } as never)).toThrow(
      /cdc-pg-text: must be a record \{text: string\}/,
    );
  });
});
