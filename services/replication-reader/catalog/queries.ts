/**
 * The catalog queries, one function each, parameterised. Every value is cast to text or int in SQL and
 * converted here, so the result does not depend on the client's global type parsers (the reader replaces
 * them to keep values in text form).
 */
import type pg from 'pg';

export type Queryable = Pick<pg.ClientBase, 'query'>;

type Row = Record<string, unknown>;

const flag = (value: unknown) => value === true || value === 't' || value === 'true';

export interface RelationRow {
  oid: number;
  replicaIdentity: string;
}

/** Ordinary and partitioned tables only: views and foreign tables are not replicated. */
export async function findRelation(
  client: Queryable,
  schema: string,
  table: string,
): Promise<RelationRow | undefined> {
  const result = await client.query<Row>(
    `SELECT c.oid::int8::text AS oid, c.relreplident::text AS replica_identity
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, table],
  );
  const row = result.rows[0];
  return row && { oid: Number(row.oid), replicaIdentity: String(row.replica_identity) };
}

export interface AttributeRow {
  name: string;
  typeOid: number;
  typeModifier: number;
  notNull: boolean;
  dimensions: number;
  storage: string;
  formattedType: string;
}

export async function listAttributes(client: Queryable, relationOid: number): Promise<AttributeRow[]> {
  const result = await client.query<Row>(
    `SELECT a.attname::text AS name, a.atttypid::int8::text AS type_oid, a.atttypmod::text AS typmod,
            a.attnotnull::text AS not_null, a.attndims::text AS dimensions, a.attstorage::text AS storage,
            pg_catalog.format_type(a.atttypid, a.atttypmod) AS formatted_type
       FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [relationOid],
  );
  return result.rows.map((row) => ({
    name: String(row.name),
    typeOid: Number(row.type_oid),
    typeModifier: Number(row.typmod),
    notNull: flag(row.not_null),
    dimensions: Number(row.dimensions),
    storage: String(row.storage),
    formattedType: String(row.formatted_type),
  }));
}

export interface ColumnFillRow {
  name: string;
  attnum: number;
  /** A missing value (a constant default) or a default expression: existing rows may hold values the WAL lacks. */
  filled: boolean;
}

/** Each column's position, and whether PostgreSQL may have filled it without the WAL (snapshot/column-coverage.ts). */
export async function listColumnFills(client: Queryable, relationOid: number): Promise<ColumnFillRow[]> {
  const result = await client.query<Row>(
    `SELECT a.attname::text AS name, a.attnum::text AS attnum,
            (a.atthasmissing OR d.adrelid IS NOT NULL)::text AS filled
       FROM pg_catalog.pg_attribute a
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped`,
    [relationOid],
  );
  return result.rows.map((row) => ({
    name: String(row.name),
    attnum: Number(row.attnum),
    filled: flag(row.filled),
  }));
}

export interface ResolvedType {
  /** After walking down domains (equal to the asked oid when it is not a domain). */
  baseOid: number;
  baseName: string;
  /** pg_type.typtype of the base: b, e, c, r, m, p. */
  baseTypeType: string;
  baseLength: number;
  isDomain: boolean;
  /** The type modifier a domain declares for its base (numeric(10,2) in `CREATE DOMAIN d numeric(10,2)`). */
  domainModifier: number | undefined;
  /** For true arrays (not int2vector/oidvector, whose text form is space-separated): the element type. */
  elementOid: number | undefined;
  /** pg_type.typstorage of the base: a column's storage unless ALTER COLUMN ... SET STORAGE changed it. */
  storage: string;
  /** pg_type.typdelim of the base: what separates it from its neighbours in an array's text form. */
  delimiter: string;
}

/** Resolves types to their base through any chain of domains, in one round trip. */
export async function resolveTypes(
  client: Queryable,
  oids: readonly number[],
): Promise<Map<number, ResolvedType>> {
  if (oids.length === 0) return new Map();
  const result = await client.query<Row>(
    `WITH RECURSIVE chain AS (
       SELECT t.oid AS start_oid, t.oid, t.typtype, t.typbasetype, t.typtypmod, 0 AS depth
         FROM pg_catalog.pg_type t WHERE t.oid = ANY($1::oid[])
       UNION ALL
       SELECT chain.start_oid, t.oid, t.typtype, t.typbasetype, t.typtypmod, chain.depth + 1
         FROM chain JOIN pg_catalog.pg_type t ON t.oid = chain.typbasetype
        WHERE chain.typtype = 'd'
     )
     SELECT DISTINCT ON (chain.start_oid)
            chain.start_oid::int8::text AS start_oid, b.oid::int8::text AS base_oid, b.typname::text AS base_name,
            b.typtype::text AS base_typtype, b.typlen::text AS base_length, (chain.depth > 0)::text AS is_domain,
            (SELECT d.typtypmod FROM chain d
              WHERE d.start_oid = chain.start_oid AND d.typtype = 'd' AND d.typtypmod <> -1
              ORDER BY d.depth DESC LIMIT 1)::text AS domain_typmod,
            CASE WHEN b.typsubscript = 'pg_catalog.array_subscript_handler'::regproc
                  AND b.typname NOT IN ('int2vector', 'oidvector')
                 THEN b.typelem::int8::text END AS element_oid,
            b.typstorage::text AS storage, b.typdelim::text AS delimiter
       FROM chain JOIN pg_catalog.pg_type b ON b.oid = chain.oid
      ORDER BY chain.start_oid, chain.depth DESC`,
    [oids.map(String)],
  );
  return new Map(
    result.rows.map((row) => [
      Number(row.start_oid),
      {
        baseOid: Number(row.base_oid),
        baseName: String(row.base_name),
        baseTypeType: String(row.base_typtype),
        baseLength: Number(row.base_length),
        isDomain: flag(row.is_domain),
        domainModifier: row.domain_typmod == null ? undefined : Number(row.domain_typmod),
        elementOid: row.element_oid == null ? undefined : Number(row.element_oid),
        storage: String(row.storage),
        delimiter: String(row.delimiter),
      },
    ]),
  );
}

/** `format_type(oid, typmod)` of each pair, in order (`integer[]`, `numeric(12,2)`; `???` for a missing type). */
export async function formatTypes(
  client: Queryable,
  types: readonly { typeOid: number; typeModifier: number }[],
): Promise<string[]> {
  if (types.length === 0) return [];
  const result = await client.query<Row>(
    `SELECT pg_catalog.format_type(t.oid, t.typmod) AS formatted
       FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS t(oid, typmod, position)
      ORDER BY t.position`,
    [types.map((type) => String(type.typeOid)), types.map((type) => String(type.typeModifier))],
  );
  return result.rows.map((row) => String(row.formatted));
}

/** Labels of enum types in their sort order (pg_enum.enumsortorder, which ALTER TYPE ... ADD VALUE keeps). */
export async function enumLabels(client: Queryable, oids: readonly number[]): Promise<Map<number, string[]>> {
  if (oids.length === 0) return new Map();
  const result = await client.query<Row>(
    `SELECT enumtypid::int8::text AS type_oid, enumlabel::text AS label
       FROM pg_catalog.pg_enum WHERE enumtypid = ANY($1::oid[])
      ORDER BY enumtypid, enumsortorder`,
    [oids.map(String)],
  );
  const labels = new Map<number, string[]>();
  for (const row of result.rows) {
    const oid = Number(row.type_oid);
    labels.set(oid, [...(labels.get(oid) ?? []), String(row.label)]);
  }
  return labels;
}

/** Primary key columns in index order. */
export async function primaryKey(client: Queryable, relationOid: number): Promise<string[]> {
  const result = await client.query<Row>(
    `SELECT a.attname::text AS name
       FROM pg_catalog.pg_index i
      CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY k.position`,
    [relationOid],
  );
  return result.rows.map((row) => String(row.name));
}
