import { describe, expect, it } from 'vitest';
import { avroType, PgTextValue, unchangedToastValue } from '../../../lib/avro/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import {
  avroName,
  avroNamespace,
  buildRowSchemas,
  createRowMapper,
} from '../../../services/replication-reader/mapping/index.ts';
import type { TextRow } from '../../../services/replication-reader/model.ts';
import { column, connector, numericModifier, table } from './fixtures.ts';

const things = table(
  [
    column('tenant', 'int4', { nullable: false }),
    column('id', 'uuid', { nullable: false }),
    column('title', 'text', { nullable: false }),
    column('budget', 'numeric', { typeModifier: numericModifier(12, 2) }),
    column('starts_at', 'timestamptz'),
  ],
  ['tenant', 'id'],
);
const schemas = () => buildRowSchemas(things, connector(), { namespace: 'core.public.things' });

describe('buildRowSchemas', () => {
  it('tells the sink the name of each column and a PostgreSQL type that holds its values exactly', () => {
    const mixed = table(
      [
        column('id', 'int8', { typeOid: 20, nullable: false }),
        column('Amount €', 'numeric', {
          typeOid: 1700,
          typeModifier: numericModifier(12, 2),
          formattedType: 'numeric(12,2)',
        }),
        column('at', 'timestamptz', { typeOid: 1184, formattedType: 'timestamp with time zone' }),
        column('tags', '_text', { typeOid: 1009, elementTypeOid: 25, elementTypeName: 'text' }),
        column('status', 'mission_status', { typeOid: 16500, kind: 'enum', formattedType: 'mission_status' }),
        column('statuses', '_mission_status', {
          typeOid: 16501,
          elementTypeOid: 16500,
          elementTypeName: 'mission_status',
          arrayDimensions: 1,
        }),
        column('email', 'text', { typeOid: 25 }),
        column('ltree_path', 'ltree', { typeOid: 17000, formattedType: 'ltree' }),
      ],
      ['id'],
    );
    const { rowSchema, keySchema } = buildRowSchemas(
      mixed,
      connector({ columns: { mode: 'all', pseudonymise: ['email'] } }),
      {
        namespace: 'core.public.things',
      },
    );
    const byColumn = Object.fromEntries(
      rowSchema.fields.map((field) => [field['cdc.column'], field['cdc.sqlType']]),
    );
    expect(byColumn).toEqual({
      id: 'int8',
      'Amount €': 'numeric(12,2)',
      at: 'timestamp with time zone',
      tags: 'text[]',
      status: 'text',
      statuses: 'text[]',
      email: 'text',
      ltree_path: 'text',
    });
    expect(rowSchema.fields[1]?.name).not.toBe('Amount €');
    expect(keySchema.fields[0]).toMatchObject({ 'cdc.column': 'id', 'cdc.sqlType': 'int8' });
  });

  it('names the records <namespace>.Key and <namespace>.Value, as Debezium does', () => {
    const { keySchema, rowSchema } = schemas();
    expect(`${keySchema.namespace}.${keySchema.name}`).toBe('core.public.things.Key');
    expect(`${rowSchema.namespace}.${rowSchema.name}`).toBe('core.public.things.Value');
    expect(avroType(keySchema).name).toBe('core.public.things.Key');
    expect(avroType(rowSchema).name).toBe('core.public.things.Value');
  });

  it('keys hold the key columns in key order, not nullable', () => {
    const { keySchema } = schemas();
    expect(keySchema.fields.map((field) => [field.name, field.type])).toEqual([
      ['tenant', 'int'],
      ['id', { type: 'string', logicalType: 'uuid' }],
    ]);
  });

  it('row fields are nullable with a null default; toastable ones can be "unchanged"', () => {
    const { rowSchema } = schemas();
    const fields = Object.fromEntries(rowSchema.fields.map((field) => [field.name, field]));
    expect(fields.tenant).toMatchObject({ type: ['null', 'int'], default: null, doc: 'tenant: int4' });
    expect(fields.title?.type).toEqual([
      'null',
      'string',
      expect.objectContaining({ name: 'UnchangedToast' }),
    ]);
    expect(fields.budget?.type).toEqual([
      'null',
      { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 },
      expect.objectContaining({ name: 'SpecialNumeric', namespace: 'cdc' }),
      'cdc.UnchangedToast',
    ]);
    expect(fields.starts_at?.type).toEqual([
      'null',
      { type: 'long', logicalType: 'timestamp-micros' },
      expect.objectContaining({ name: 'SpecialTemporal' }),
      expect.objectContaining({ name: 'PgText', namespace: 'cdc', logicalType: 'cdc-pg-text' }),
    ]);
  });

  it('arrays and timestamps get the exact-text branch after their value branches, before "unchanged"; keys never', () => {
    const definition = table(
      [
        column('at', 'timestamp', { nullable: false }),
        column('ints', '_int4', { elementTypeName: 'int4' }),
        column('local', 'timestamp'),
        column('n', 'numeric'),
        column('d', 'date'),
      ],
      ['at'],
    );
    const { keySchema, rowSchema } = buildRowSchemas(definition, connector(), { namespace: 'n' });
    const fields = Object.fromEntries(rowSchema.fields.map((field) => [field.name, field.type]));
    expect(fields.at).toEqual([
      'null',
      { type: 'long', logicalType: 'local-timestamp-micros' },
      expect.objectContaining({ name: 'SpecialTemporal' }),
      expect.objectContaining({ name: 'PgText', fields: [{ name: 'text', type: 'string' }] }),
    ]);
    expect(fields.ints).toEqual([
      'null',
      { type: 'array', items: ['null', 'int'] },
      'cdc.PgText',
      expect.objectContaining({ name: 'UnchangedToast' }),
    ]);
    expect(fields.local).toEqual([
      'null',
      { type: 'long', logicalType: 'local-timestamp-micros' },
      'cdc.SpecialTemporal',
      'cdc.PgText',
    ]);
    expect(JSON.stringify(fields.n)).not.toContain('PgText');
    expect(JSON.stringify(fields.d)).not.toContain('PgText');
    // A key's bytes are its identity in Kafka (partition, compaction): its schema stays as it was.
    expect(keySchema.fields[0]?.type).toEqual([
      { type: 'long', logicalType: 'local-timestamp-micros' },
      expect.objectContaining({ name: 'SpecialTemporal' }),
    ]);
    expect(() => avroType(rowSchema)).not.toThrow();
  });

  it('defines each shared named type once per document', () => {
    const definition = table([
      column('id', 'int4', { nullable: false }),
      column('a', 'numeric'),
      column('b', 'numeric'),
      column('c', '_numeric', { elementTypeName: 'numeric' }),
    ]);
    const { rowSchema } = buildRowSchemas(definition, connector(), { namespace: 'n' });
    const text = JSON.stringify(rowSchema);
    expect(text.match(/"name":"VariableScaleDecimal"/g)).toHaveLength(1);
    expect(text.match(/"name":"SpecialNumeric"/g)).toHaveLength(1);
    expect(() => avroType(rowSchema)).not.toThrow();
  });

  it('makes Avro names of any PostgreSQL name and refuses collisions', () => {
    expect(avroName('Order Date')).toBe('Order_Date');
    expect(avroName('1st')).toBe('_1st');
    expect(avroName('prénom')).toBe('pr_nom');
    expect(avroNamespace('core-eu.public.my-table')).toBe('core_eu.public.my_table');
    const clash = table([column('id', 'int4'), column('a b', 'text'), column('a-b', 'text')]);
    expect(() => buildRowSchemas(clash, connector(), { namespace: 'n' })).toThrow(/"a b" and "a-b"/);
  });

  it('refuses to pseudonymise an unknown column', () => {
    expect(() =>
      buildRowSchemas(things, connector({ columns: { mode: 'all', pseudonymise: ['nope'] } }), {
        namespace: 'n',
      }),
    ).toThrow(/pseudonymises "nope"/);
  });
});

describe('createRowMapper', () => {
  const mapper = () => createRowMapper(things, connector());
  const keyedByTime = () =>
    createRowMapper(
      table([column('at', 'timestamp'), column('note', 'text'), column('ts', 'timestamp')], ['at']),
      connector(),
    );
  const row: TextRow = {
    tenant: '7',
    id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    title: 'secret title',
    budget: '12.5',
    starts_at: '2026-11-21 10:00:00+00',
    not_published: 'ignored',
  };

  it('maps keys and rows with the schema field names; unpublished columns are left out', () => {
    const { keySchema, rowSchema } = schemas();
    const key = mapper().key(row);
    expect(key).toEqual({ tenant: 7, id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' });
    expect(avroType(keySchema).isValid(key)).toBe(true);
    const mapped = mapper().row(row);
    expect(Object.keys(mapped)).toEqual(['tenant', 'id', 'title', 'budget', 'starts_at']);
    expect(avroType(rowSchema).isValid(mapped)).toBe(true);
  });

  it('a key-only old row (REPLICA IDENTITY DEFAULT delete) fits the row schema', () => {
    const old = { ...row, title: null, budget: null, starts_at: null };
    expect(avroType(schemas().rowSchema).isValid(mapper().row(old))).toBe(true);
  });

  it('errors name table, column and problem, never the value', () => {
    const failures: unknown[] = [];
    const attempt = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        failures.push(error);
      }
    };
    attempt(() => mapper().row({ ...row, budget: 'secret-999.999' }));
    attempt(() => mapper().row({ ...row, starts_at: 'secret 10:00' }));
    attempt(() => mapper().key({ ...row, tenant: null }));
    attempt(() => mapper().key({ ...row, id: unchangedToastValue as unknown as string }));
    attempt(() => mapper().row({ ...row, tenant: unchangedToastValue as unknown as string }));
    attempt(() => mapper().row({ tenant: '1' }));
    attempt(() => keyedByTime().key({ at: '294250-01-01 00:00:00', note: 'secret' }));
    expect(failures).toHaveLength(7);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(PipelineError);
      const error = failure as PipelineError;
      expect(error.code).toBe('DECODE_FAILED');
      expect(error.message).toMatch(/^public\.things\.\w+ \(/);
      expect(
        JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) }),
      ).not.toMatch(/secret/);
    }
    expect((failures[0] as PipelineError).message).toContain('public.things.budget (numeric(12,2))');
    expect((failures[3] as PipelineError).message).toMatch(/unchanged TOAST value in a key column/);
    expect((failures[4] as PipelineError).message).toMatch(/not toastable/);
    expect((failures[5] as PipelineError).message).toMatch(/missing from the change/);
    expect((failures[6] as PipelineError).message).toBe(
      'public.things.at (timestamp): beyond the range of a 64-bit microsecond timestamp (a key field has no exact-text branch)',
    );
    expect((failures[6] as PipelineError).details).toEqual({
      table: 'public.things',
      column: 'at',
      type: 'timestamp',
    });
  });

  it('sends a valid value its typed branch cannot hold as exact text, in a row field only', () => {
    const text = '294250-01-01 00:00:00';
    const row = keyedByTime().row({ at: '2026-01-01 00:00:00', note: 'n', ts: text });
    expect(row.ts).toEqual(new PgTextValue(text));
    expect(row.ts).toBeInstanceOf(PgTextValue);
    expect(Object.isFrozen(row.ts)).toBe(true);
    expect(String(row.ts)).not.toContain('294250');
  });

  it('needs a key to pseudonymise', () => {
    const pseudonymising = connector({ columns: { mode: 'all', pseudonymise: ['title'] } });
    expect(() => createRowMapper(things, pseudonymising)).toThrow(/no key was given/);
  });
});
