/**
 * Which columns of a captured table leave the core database, from its connector and the catalog. Pure: the
 * publication sync and the preflight both build on it, so "what we publish" and "what we check" cannot drift.
 *
 * A table whose connector excludes nothing is published without a column list, so a column added later flows
 * without a publication change (the architecture's "additive changes need no manual step"). A column list is
 * used only where it protects something: excluded columns, or an explicit `only` policy.
 */
import {
  columnPolicyOf,
  excludedColumnsOf,
  pseudonymisedColumnsOf,
  qualifiedSourceName,
} from '../../connectors/catalogue.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';
import type { TableFacts } from './facts/tables.ts';

export interface PublishedColumns {
  connector: string;
  schema: string;
  table: string;
  /** The publication's column list for the table; null = no list (every column, future ones too). */
  columnList: readonly string[] | null;
  /** Columns expected to be published now, in attribute order (generated columns are never replicated). */
  columns: readonly string[];
  /** The connector's key, or the primary key; empty when neither exists. */
  key: readonly string[];
  excluded: readonly string[];
  pseudonymised: readonly string[];
  /** Excluded columns the table no longer has (also in `problems`: if one was renamed, its new name would leak). */
  staleExclusions: readonly string[];
  /** Reasons the table cannot be published as declared (missing table or columns). */
  problems: readonly string[];
}

export function resolveKey(connector: ConnectorDefinition, table: TableFacts): readonly string[] {
  return connector.key ?? table.primaryKey ?? [];
}

export function planPublishedColumns(connector: ConnectorDefinition, table: TableFacts): PublishedColumns {
  const policy = columnPolicyOf(connector);
  const excluded = excludedColumnsOf(connector);
  const pseudonymised = pseudonymisedColumnsOf(connector);
  const key = resolveKey(connector, table);
  const base = {
    connector: connector.name,
    schema: connector.source.schema,
    table: connector.source.table,
    key,
    excluded,
    pseudonymised,
  };
  if (!table.exists) {
    return {
      ...base,
      columnList: null,
      columns: [],
      staleExclusions: [],
      problems: [`table ${qualifiedSourceName(connector)} does not exist`],
    };
  }

  const existing = table.columns.filter((column) => !column.generated).map((column) => column.name);
  const problems: string[] = [];
  const requireColumns = (what: string, names: readonly string[]) => {
    for (const name of names) {
      if (!existing.includes(name))
        problems.push(`${what} column "${name}" does not exist (or is generated)`);
    }
  };
  requireColumns('key', key);
  requireColumns('pseudonymised', pseudonymised);
  if (policy.mode === 'only') requireColumns('included', policy.include);
  if (key.length === 0) problems.push('no key: the table has no primary key and the connector declares none');

  let columnList: readonly string[] | null;
  if (policy.mode === 'only') {
    const wanted = new Set([...key, ...policy.include]);
    columnList = existing.filter((name) => wanted.has(name));
  } else if (excluded.length > 0) {
    columnList = existing.filter((name) => !excluded.includes(name));
  } else {
    columnList = null;
  }

  // Refused rather than ignored: a renamed personal-data column would otherwise be published under its new name.
  const staleExclusions = excluded.filter((name) => !table.columns.some((column) => column.name === name));
  for (const name of staleExclusions)
    problems.push(
      `excluded column "${name}" does not exist: if it was renamed, its new name would be published`,
    );
  return { ...base, columnList, columns: columnList ?? existing, staleExclusions, problems };
}
