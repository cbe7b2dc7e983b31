/**
 * End to end through the mapping layer with the real stack: a table with every supported type in a scratch
 * database, rows with the extremes, read back in PostgreSQL's text form exactly as pgoutput sends it (the
 * types' output functions, DateStyle=ISO, TimeZone=UTC, no node-postgres parsing), mapped, registered with
 * the real registry under unique subjects, encoded, decoded and compared with exact expected values.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { type AvroSchema, avroType, PgTextValue } from '../../../lib/avro/index.ts';
import type { PipelineError } from '../../../lib/errors/index.ts';
import { createSchemaRegistryClient, keySubject, valueSubject } from '../../../lib/registry/index.ts';
import { loadConnectorTable } from '../../../services/replication-reader/catalog/index.ts';
import { buildEnvelope, buildEnvelopeSchema } from '../../../services/replication-reader/envelope/index.ts';
import { buildRowSchemas, createRowMapper } from '../../../services/replication-reader/mapping/index.ts';
import type { TextRow } from '../../../services/replication-reader/model.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';
import { bigText, ddl, inserts } from '../../support/every-type.ts';
import { requireEnv, uniqueName } from '../../support/names.ts';

const registryUrl = requireEnv('SCHEMA_REGISTRY_URL');
const topic = uniqueName('test.roundtrip');

const micros = (utcMs: number, extraMicros = 0n) => BigInt(utcMs) * 1000n + extraMicros;
const days = (utcMs: number) => utcMs / 86_400_000;
const nulls = (names: string[]) => Object.fromEntries(names.map((name) => [name, null]));

const expected: Record<string, Record<string, unknown>> = {
  '1': {
    id: 1n,
    c_int2: 32767,
    c_int4: 2147483647,
    c_int8: 9223372036854775807n,
    c_oid: 4294967295n,
    c_float4: Math.fround(3.4028235e38),
    c_float8: 1.7976931348623157e308,
    c_numeric: '12345678901234567890123456789012345678901234567890.0123456789',
    c_numeric_free: '123456789012345678901234567890123456789012345.678901234567890123456789',
    c_money: '$92,233,720,368,547,758.07',
    c_bool: true,
    c_text: bigText,
    c_varchar: 'a,b "c"',
    c_bpchar: 'ab   ',
    c_char: 'x',
    c_name: 'name',
    c_citext: 'MiXeD',
    c_bytea: Buffer.from([0, 255]),
    c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    c_json: '{"b":1,  "a":2}',
    c_jsonb: '{"a": [1, 2.50, null], "b": 1}',
    c_date: 2145042905,
    c_timestamp: micros(Date.UTC(9999, 11, 31, 23, 59, 59), 999_999n),
    c_timestamptz: micros(Date.UTC(2026, 10, 21, 10, 0, 0), 123_456n),
    c_time: 86_400_000_000n,
    c_timetz: '10:00:00.123456+05:30',
    c_interval: '1 year 2 mons 3 days 04:05:06.789',
    c_inet: '192.168.0.1/24',
    c_cidr: '10.0.0.0/8',
    c_macaddr: '08:00:2b:01:02:03',
    c_tsvector: "'cat' 'fat'",
    c_point: '(1.5,-2)',
    c_range: '[1,10)',
    c_enum: 'happy',
    c_domain: '12.50',
    c_int_array: [1, null, -3],
    c_text_array: ['a,b', 'c"d', 'e\\f', null, 'NULL', ''],
    c_grid: [
      [1, 2],
      [3, 4],
    ],
    c_numeric_array: ['1.50', 'NaN', null],
    c_enum_array: ['sad', 'happy'],
    c_uuid_array: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    c_ts_array: [micros(Date.UTC(2026, 10, 21, 10)), '-infinity'],
    c_jsonb_array: ['{"a": "x,y"}'],
  },
  '2': {
    id: 2n,
    c_int2: -32768,
    c_int4: -2147483648,
    c_int8: -9223372036854775807n,
    c_oid: 0n,
    c_float4: Number.NaN,
    c_float8: Number.NEGATIVE_INFINITY,
    c_numeric: 'NaN',
    c_numeric_free: '-Infinity',
    c_money: '-$92,233,720,368,547,758.08',
    c_bool: false,
    c_text: '',
    c_bytea: Buffer.alloc(0),
    c_date: days(Date.UTC(-4713, 10, 24)),
    c_timestamp: micros(Date.UTC(-4713, 10, 24)),
    c_timestamptz: micros(Date.UTC(-43, 2, 15, 13, 0, 0, 500)),
    c_time: 0n,
    c_int_array: [],
    c_text_array: [],
    c_grid: [],
  },
  '3': { id: 3n },
  // Values PostgreSQL accepts that their typed branch cannot hold: exactly, as PostgreSQL's text.
  '5': {
    id: 5n,
    c_timestamp: new PgTextValue('294250-01-01 00:00:00'),
    c_timestamptz: new PgTextValue('294276-12-31 23:59:59.999999+00'),
    c_int_array: new PgTextValue('{{1,2},{3,4}}'),
    c_text_array: new PgTextValue('[0:1]={a,"b,c"}'),
    c_grid: new PgTextValue('{1,2}'),
    c_numeric_array: new PgTextValue('[0:0]={1.50}'),
    c_ts_array: new PgTextValue('{"294250-01-01 00:00:00+00"}'),
  },
  '-9223372036854775808': {
    id: -9223372036854775808n,
    c_int8: -9223372036854775808n,
    c_float4: Number.POSITIVE_INFINITY,
    c_float8: Number.NaN,
    c_numeric: '-0.0000000001',
    c_numeric_free: 'Infinity',
    c_date: 'infinity',
    c_timestamp: 'infinity',
    c_timestamptz: '-infinity',
  },
};

const connector: ConnectorDefinition = {
  name: 'every_type',
  source: { schema: 'public', table: 'every_type' },
  destination: { table: 'every_type' },
};

describe('mapping round trip through PostgreSQL and the schema registry', () => {
  let database: ScratchDatabase;
  let owner: pg.Client;
  /** Receives every value as the text its type's output function produced, as pgoutput sends it. */
  let reader: pg.Client;
  const registry = createSchemaRegistryClient({ url: registryUrl });

  beforeAll(async () => {
    database = await createScratchDatabase('mapping');
    owner = new pg.Client({ connectionString: database.url('DATABASE_URL_CORE_OWNER') });
    await owner.connect();
    await owner.query(ddl);
    await owner.query('GRANT SELECT ON every_type TO cdc_reader');
    await owner.query(inserts.split(';')[0] as string, [bigText]);
    for (const statement of inserts.split(';').slice(1)) if (statement.trim()) await owner.query(statement);
    reader = new pg.Client({
      connectionString: database.url('DATABASE_URL_CORE'),
      types: { getTypeParser: () => (text: string) => text },
    });
    await reader.connect();
    await reader.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO'`);
  });

  afterAll(async () => {
    await reader?.end();
    await owner?.end();
    await database?.drop();
    for (const subject of [keySubject(topic), valueSubject(topic)]) {
      await fetch(`${registryUrl}/subjects/${subject}`, { method: 'DELETE' });
      await fetch(`${registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
    }
  });

  const schemasFor = async () => {
    const table = await loadConnectorTable(reader, connector);
    const { keySchema, rowSchema } = buildRowSchemas(table, connector, { namespace: topic });
    return { table, keySchema, envelopeSchema: buildEnvelopeSchema(rowSchema) };
  };

  it('maps, encodes and decodes every type exactly', async () => {
    const { table, keySchema, envelopeSchema } = await schemasFor();
    const keyId = await registry.register(keySubject(topic), keySchema);
    const valueId = await registry.register(valueSubject(topic), envelopeSchema);
    const mapper = createRowMapper(table, connector);
    const { rows } = await reader.query<TextRow>('SELECT * FROM every_type ORDER BY id');
    expect(rows).toHaveLength(5);

    const allColumns = table.columns.map((column) => column.name);
    for (const row of rows) {
      const id = row.id as string;
      const position = { commitLsn: 100n, lsn: 90n, xid: 7, commitTimeMicros: 1_795_255_200_000_000n };
      const change = { op: 'c' as const, table: { ...table }, position, after: row };
      const envelope = buildEnvelope(
        change,
        { after: mapper.row(row) },
        { prefix: 'test', db: database.name, processingTimeMs: 1 },
      );
      const decodedKey = await registry.decode(await registry.encode(keyId, mapper.key(row)));
      const decoded = (await registry.decode(await registry.encode(valueId, envelope))) as {
        after: object;
        op: string;
      };
      expect({ ...(decodedKey as object) }).toEqual({ id: BigInt(id) });
      expect(decoded.op).toBe('c');
      expect({ ...decoded.after }, `row ${id}`).toEqual({ ...nulls(allColumns), ...expected[id] });
    }
  });

  it('registers an added column (even NOT NULL) as a BACKWARD-compatible version', async () => {
    const before = await schemasFor();
    const firstId = await registry.register(valueSubject(topic), before.envelopeSchema);
    await owner.query(
      `ALTER TABLE every_type ADD COLUMN c_added text, ADD COLUMN c_count int NOT NULL DEFAULT 0`,
    );
    const after = await schemasFor();
    const secondId = await registry.register(valueSubject(topic), after.envelopeSchema);
    expect(secondId).not.toBe(firstId);
  });

  it('adds the exact-text branch to a table registered without it as a BACKWARD-compatible version', async () => {
    const { envelopeSchema } = await schemasFor();
    const before = withoutExactText(envelopeSchema);
    expect(JSON.stringify(before)).not.toContain('PgText');
    expect(JSON.stringify(envelopeSchema)).toContain('PgText');
    const subject = valueSubject(`${topic}.compat`);
    const oldId = await registry.register(subject, before);
    const newId = await registry.register(subject, envelopeSchema);
    expect(newId).not.toBe(oldId);
    const response = await fetch(`${registryUrl}/subjects/${subject}/versions`);
    expect(await response.json()).toEqual([1, 2]);
    await fetch(`${registryUrl}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
    // What the old schema wrote, the new one reads.
    expect(() => avroType(envelopeSchema).createResolver(avroType(before))).not.toThrow();
  });

  it('rejects a changed column type with SCHEMA_INCOMPATIBLE', async () => {
    await owner.query(`ALTER TABLE every_type ALTER COLUMN c_int4 TYPE text`);
    const changed = await schemasFor();
    const error = await registry
      .register(valueSubject(topic), changed.envelopeSchema)
      .catch((caught: unknown) => caught);
    expect((error as PipelineError).code).toBe('SCHEMA_INCOMPATIBLE');
    expect((error as PipelineError).message).toContain(valueSubject(topic));
  });
});

/** The schema as the reader built it before the exact-text branch existed. */
function withoutExactText(schema: AvroSchema): AvroSchema {
  const isExactText = (branch: AvroSchema) =>
    branch === 'cdc.PgText' ||
    (typeof branch === 'object' &&
      !Array.isArray(branch) &&
      (branch as { name?: unknown }).name === 'PgText');
  if (Array.isArray(schema)) return schema.filter((branch) => !isExactText(branch)).map(withoutExactText);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([attribute, value]) => [
      attribute,
      typeof value === 'object' && value !== null ? withoutExactText(value as AvroSchema) : value,
    ]),
  );
}
