/**
 * The statements that make a publication match the connectors, and the differences that call for them. Pure:
 * the reader applies the plan when its role may (publication.ts), and preflight prints it as the fix a DBA runs
 * when it may not. DDL cannot take bind parameters, so every name goes through quoteIdentifier and the only
 * literal is the constant list of operations.
 */
import { quoteIdentifier } from '../../lib/postgres/index.ts';
import type { PublicationFacts } from './facts/publication.ts';
import type { PublishedColumns } from './published-columns.ts';

/** Every change reaches Kafka: TRUNCATE too (the sink applies or records it, per connector). */
export const publishedOperations = ['insert', 'update', 'delete', 'truncate'] as const;
const publishOption = `publish = '${publishedOperations.join(', ')}', publish_via_partition_root = false`;

export interface PublicationPlan {
  publication: string;
  /** `recreate`: the publication is FOR ALL TABLES (or similar) and must be dropped first: never automatic. */
  action: 'none' | 'create' | 'alter' | 'recreate';
  statements: readonly string[];
  /** Why the statements are needed, one line each, for logs and preflight. */
  differences: readonly string[];
}

const tableName = (table: { schema: string; table: string }) =>
  `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.table)}`;

function tableEntry(table: PublishedColumns): string {
  return table.columnList === null
    ? tableName(table)
    : `${tableName(table)} (${table.columnList.map(quoteIdentifier).join(', ')})`;
}

function createStatement(name: string, desired: readonly PublishedColumns[]): string {
  const tables = desired.length > 0 ? ` FOR TABLE ${desired.map(tableEntry).join(', ')}` : '';
  return `CREATE PUBLICATION ${quoteIdentifier(name)}${tables} WITH (${publishOption});`;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value) => b.includes(value));

function tableDifferences(desired: readonly PublishedColumns[], current: PublicationFacts): string[] {
  const differences: string[] = [];
  const key = (table: { schema: string; table: string }) => `${table.schema}.${table.table}`;
  for (const table of desired) {
    const published = current.tables.find((candidate) => key(candidate) === key(table));
    if (!published) {
      differences.push(`${key(table)} is not published`);
      continue;
    }
    if (table.columnList === null && published.hasColumnList)
      differences.push(
        `${key(table)} has a column list (${published.columns.join(', ')}); expected every column`,
      );
    if (
      table.columnList !== null &&
      !(published.hasColumnList && sameSet(published.columns, table.columnList))
    )
      differences.push(
        `${key(table)} publishes (${published.columns.join(', ')}); expected (${table.columnList.join(', ')})`,
      );
    if (published.rowFilter !== null)
      differences.push(`${key(table)} has a row filter (${published.rowFilter}); connectors declare none`);
  }
  for (const published of current.tables) {
    if (!desired.some((table) => key(table) === key(published)))
      differences.push(`${key(published)} is published but no connector captures it`);
  }
  return differences;
}

export function planPublication(
  name: string,
  desired: readonly PublishedColumns[],
  current: PublicationFacts | null,
): PublicationPlan {
  if (current === null) {
    return {
      publication: name,
      action: 'create',
      statements: [createStatement(name, desired)],
      differences: [`publication ${name} does not exist`],
    };
  }
  if (current.allTables) {
    // SET TABLE cannot turn FOR ALL TABLES into a list; dropping it interrupts a streaming reader, so a human runs it.
    return {
      publication: name,
      action: 'recreate',
      statements: [`DROP PUBLICATION ${quoteIdentifier(name)};`, createStatement(name, desired)],
      differences: [`publication ${name} is FOR ALL TABLES: every table and column leaves the database`],
    };
  }
  const differences = tableDifferences(desired, current);
  const statements: string[] = [];
  if (differences.length > 0) {
    statements.push(
      desired.length > 0
        ? `ALTER PUBLICATION ${quoteIdentifier(name)} SET TABLE ${desired.map(tableEntry).join(', ')};`
        : `ALTER PUBLICATION ${quoteIdentifier(name)} DROP TABLE ${current.tables.map(tableName).join(', ')};`,
    );
  }
  const missingOperations = publishedOperations.filter((operation) => !current.operations[operation]);
  if (missingOperations.length > 0 || current.viaRoot) {
    differences.push(
      `publication ${name} does not publish ${missingOperations.join(', ') || 'per partition (publish_via_partition_root is on)'}`,
    );
    statements.push(`ALTER PUBLICATION ${quoteIdentifier(name)} SET (${publishOption});`);
  }
  return { publication: name, action: statements.length > 0 ? 'alter' : 'none', statements, differences };
}
