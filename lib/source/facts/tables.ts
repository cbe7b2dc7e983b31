/**
 * Catalog facts about the captured tables: whether each exists, its columns (and whether the current role may
 * SELECT each one), its keys and its replica identity. Two queries for all tables, names as bind parameters.
 */
import type { Queryable } from '../../../lib/postgres/index.ts';
import type { ReplicaIdentity } from '../../postgres/index.ts';

export interface TableRef {
  schema: string;
  table: string;
}

export interface ColumnFacts {
  name: string;
  attnum: number;
  /** Generated columns are never replicated by PostgreSQL 15 and cannot be in a column list. */
  generated: boolean;
  /** The current role may SELECT it (table-level or column-level grant): needed for snapshots. */
  selectable: boolean;
}

export interface TableFacts extends TableRef {
  exists: boolean;
  relationOid: number | null;
  owner: string | null;
  replicaIdentity: ReplicaIdentity | null;
  /** Columns in attribute order. */
  columns: readonly ColumnFacts[];
  primaryKey: readonly string[] | null;
  /** Columns of the REPLICA IDENTITY USING INDEX index, when that is the identity. */
  identityIndex: readonly string[] | null;
  /** Key columns of each valid, non-partial unique index without expressions (a declared key must match one). */
  uniqueKeys: readonly (readonly string[])[];
}

const identities: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

interface TableRow {
  schema_name: string;
  table_name: string;
  oid: string | null;
  owner: string | null;
  relreplident: string | null;
}

interface ColumnRow {
  oid: string;
  name: string;
  attnum: number;
  generated: boolean;
  selectable: boolean;
}

interface IndexRow {
  oid: string;
  is_primary: boolean;
  is_identity: boolean;
  is_unique_key: boolean;
  columns: string[];
}

export async function readTableFacts(db: Queryable, refs: readonly TableRef[]): Promise<TableFacts[]> {
  const tables = await db.query<TableRow>(
    `SELECT r.schema_name, r.table_name, c.oid::bigint::text AS oid,
            pg_get_userbyid(c.relowner)::text AS owner, c.relreplident::text AS relreplident
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(schema_name, table_name, ord)
       LEFT JOIN pg_namespace n ON n.nspname = r.schema_name
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.table_name AND c.relkind IN ('r', 'p')
      ORDER BY r.ord`,
    [refs.map((ref) => ref.schema), refs.map((ref) => ref.table)],
  );
  const oids = tables.rows.flatMap((row) => (row.oid ? [row.oid] : []));
  const columns = await db.query<ColumnRow>(
    `SELECT a.attrelid::bigint::text AS oid, a.attname::text AS name, a.attnum::int AS attnum,
            a.attgenerated <> '' AS generated, has_column_privilege(a.attrelid, a.attnum, 'SELECT') AS selectable
       FROM pg_attribute a
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  // Key attributes only (INCLUDE columns do not make a row unique); an expression shows as attnum 0.
  const indexes = await db.query<IndexRow>(
    `SELECT i.indrelid::bigint::text AS oid, i.indisprimary AS is_primary, i.indisreplident AS is_identity,
            (i.indisunique AND i.indisvalid AND i.indpred IS NULL AND bool_and(k.attnum > 0)) AS is_unique_key,
            array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = ANY($1::oid[]) AND k.ord <= i.indnkeyatts
      GROUP BY i.indexrelid, i.indrelid, i.indisprimary, i.indisreplident, i.indisunique, i.indisvalid, i.indpred`,
    [oids],
  );

  return tables.rows.map((row) => {
    const ownIndexes = indexes.rows.filter((index) => index.oid === row.oid);
    return {
      schema: row.schema_name,
      table: row.table_name,
      exists: row.oid !== null,
      relationOid: row.oid === null ? null : Number(row.oid),
      owner: row.owner,
      replicaIdentity: row.relreplident === null ? null : (identities[row.relreplident] ?? null),
      columns: columns.rows
        .filter((column) => column.oid === row.oid)
        .map(({ name, attnum, generated, selectable }) => ({ name, attnum, generated, selectable })),
      primaryKey: ownIndexes.find((index) => index.is_primary)?.columns ?? null,
      identityIndex: ownIndexes.find((index) => index.is_identity)?.columns ?? null,
      uniqueKeys: ownIndexes.filter((index) => index.is_unique_key).map((index) => index.columns),
    };
  });
}
