/** What a publication publishes now: its operations and, per table, the columns that leave the database. */
import type { Queryable } from '../../../lib/postgres/index.ts';

export interface PublishedTableFacts {
  schema: string;
  table: string;
  /** Effective published columns (pg_publication_tables.attnames), in attribute order. */
  columns: readonly string[];
  /** False when the table is published without a column list (every column, including future ones). */
  hasColumnList: boolean;
  rowFilter: string | null;
}

export interface PublicationFacts {
  name: string;
  owner: string;
  allTables: boolean;
  operations: { insert: boolean; update: boolean; delete: boolean; truncate: boolean };
  viaRoot: boolean;
  tables: readonly PublishedTableFacts[];
}

interface PublicationRow {
  owner: string;
  puballtables: boolean;
  pubinsert: boolean;
  pubupdate: boolean;
  pubdelete: boolean;
  pubtruncate: boolean;
  pubviaroot: boolean;
}

interface TableRow {
  schema: string;
  table: string;
  columns: string[];
  has_column_list: boolean;
  row_filter: string | null;
}

export async function readPublicationFacts(db: Queryable, name: string): Promise<PublicationFacts | null> {
  const publication = await db.query<PublicationRow>(
    `SELECT pg_get_userbyid(pubowner)::text AS owner, puballtables, pubinsert, pubupdate, pubdelete, pubtruncate,
            pubviaroot
       FROM pg_publication WHERE pubname = $1`,
    [name],
  );
  const row = publication.rows[0];
  if (!row) return null;
  // pg_publication_rel.prattrs is NULL without a column list; a table published through FOR ALL TABLES or
  // FOR TABLES IN SCHEMA has no pg_publication_rel row at all, hence the outer join.
  const tables = await db.query<TableRow>(
    `SELECT pt.schemaname::text AS schema, pt.tablename::text AS table, pt.attnames::text[] AS columns,
            coalesce(pr.prattrs IS NOT NULL, false) AS has_column_list, pt.rowfilter AS row_filter
       FROM pg_publication_tables pt
       JOIN pg_publication p ON p.pubname = pt.pubname
       LEFT JOIN pg_namespace n ON n.nspname = pt.schemaname
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
       LEFT JOIN pg_publication_rel pr ON pr.prpubid = p.oid AND pr.prrelid = c.oid
      WHERE pt.pubname = $1
      ORDER BY 1, 2`,
    [name],
  );
  return {
    name,
    owner: row.owner,
    allTables: row.puballtables,
    operations: {
      insert: row.pubinsert,
      update: row.pubupdate,
      delete: row.pubdelete,
      truncate: row.pubtruncate,
    },
    viaRoot: row.pubviaroot,
    tables: tables.rows.map((table) => ({
      schema: table.schema,
      table: table.table,
      columns: table.columns,
      hasColumnList: table.has_column_list,
      rowFilter: table.row_filter,
    })),
  };
}
