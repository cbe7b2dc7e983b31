/**
 * Whether a table's REPLICA IDENTITY serves the connector. pgoutput sends the old key of an UPDATE or DELETE
 * only as the identity columns, so they must contain the connector's key, or deletes cannot be keyed in Kafka.
 * And PostgreSQL 15 rejects UPDATE and DELETE on a table whose publication column list does not contain every
 * identity column ("Column list used by the publication does not cover the replica identity"): a column list
 * with REPLICA IDENTITY FULL would break the product's own writes, so that combination is never applied.
 */
import { quoteIdentifier } from '../../lib/postgres/index.ts';
import type { TableFacts } from './facts/tables.ts';
import type { PublishedColumns } from './published-columns.ts';

export interface IdentityAssessment {
  /** Columns the old row carries on UPDATE/DELETE; null when none (NOTHING, or DEFAULT without primary key). */
  identityColumns: readonly string[] | null;
  coversKey: boolean;
  /** Every identity column is in the column list (or there is no list). */
  coveredByColumnList: boolean;
}

export function identityColumnsOf(table: TableFacts): readonly string[] | null {
  switch (table.replicaIdentity) {
    case 'default':
      return table.primaryKey;
    case 'index':
      return table.identityIndex;
    case 'full':
      return table.columns.filter((column) => !column.generated).map((column) => column.name);
    default:
      return null;
  }
}

export function assessReplicaIdentity(table: TableFacts, published: PublishedColumns): IdentityAssessment {
  const identityColumns = identityColumnsOf(table);
  const coversKey =
    identityColumns !== null &&
    published.key.length > 0 &&
    published.key.every((column) => identityColumns.includes(column));
  const list = published.columnList;
  const coveredByColumnList =
    list === null || identityColumns === null || identityColumns.every((column) => list.includes(column));
  return { identityColumns, coversKey, coveredByColumnList };
}

/** The statement that gives the table an identity matching its key, as far as the catalog tells. */
export function replicaIdentityFix(table: TableFacts, key: readonly string[]): string {
  const name = `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.table)}`;
  const sameColumns = (columns: readonly string[] | null) =>
    columns !== null && columns.length === key.length && key.every((column) => columns.includes(column));
  if (table.primaryKey && sameColumns(table.primaryKey))
    return `ALTER TABLE ${name} REPLICA IDENTITY DEFAULT;`;
  const keyList = key.map(quoteIdentifier).join(', ');
  if (!table.primaryKey && key.length > 0 && !table.uniqueKeys.some(sameColumns))
    return `ALTER TABLE ${name} ADD PRIMARY KEY (${keyList});`;
  return `ALTER TABLE ${name} REPLICA IDENTITY USING INDEX <unique index on (${keyList}), columns NOT NULL>;`;
}
