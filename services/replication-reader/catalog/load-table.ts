/**
 * A captured table's definition from pg_catalog: published columns in attribute order with their types
 * resolved (domains to their base, arrays to their element, enum labels), the key, the replica identity.
 * Run at start-up and whenever pgoutput announces a changed relation.
 */
import type { ColumnPolicy, ConnectorDefinition } from '../../../connectors/types.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { ColumnDefinition, ReplicaIdentity, TableDefinition, TypeKind } from '../model.ts';
import {
  type AttributeRow,
  enumLabels,
  findRelation,
  listAttributes,
  primaryKey,
  type Queryable,
  type ResolvedType,
  resolveTypes,
} from './queries.ts';

/**
 * A column as the catalog sees it: the model's definition plus the declared array dimensions (attndims) and the
 * column's own type modifier (atttypmod, what pgoutput's relation message carries; `typeModifier` is the
 * domain's when the column has none).
 */
export type CatalogColumn = ColumnDefinition & { arrayDimensions: number; columnTypeModifier: number };

/** A TableDefinition (assignable to it) whose columns carry their declared array dimensions. */
export type CatalogTable = Omit<TableDefinition, 'columns'> & { columns: readonly CatalogColumn[] };

export interface LoadTableOptions {
  /** Key columns; default: the primary key. */
  keyColumns?: readonly string[];
  /** Columns to publish (key columns are always published); default: all. */
  columns?: readonly string[];
}

const replicaIdentities: Record<string, ReplicaIdentity> = {
  d: 'default',
  n: 'nothing',
  f: 'full',
  i: 'index',
};

const kinds: Record<string, TypeKind> = {
  b: 'base',
  e: 'enum',
  c: 'composite',
  r: 'range',
  m: 'multirange',
  p: 'pseudo',
  d: 'domain',
};

function configError(label: string, message: string): PipelineError {
  return new PipelineError('CONFIG_INVALID', `table ${label}: ${message}`, { details: { table: label } });
}

function internal(label: string, what: string): PipelineError {
  return new PipelineError('INTERNAL', `table ${label}: the catalog did not describe ${what}`);
}

/** A column from its attribute and its resolved types (relation-columns.ts builds one from a relation message). */
export function buildColumn(
  attribute: AttributeRow,
  types: ReadonlyMap<number, ResolvedType>,
  labels: ReadonlyMap<number, string[]>,
  label: string,
): Omit<CatalogColumn, 'isKey'> {
  const type = types.get(attribute.typeOid);
  if (!type) throw internal(label, `the type of ${attribute.name}`);
  const element = type.elementOid === undefined ? undefined : types.get(type.elementOid);
  if (type.elementOid !== undefined && !element)
    throw internal(label, `the element type of ${attribute.name}`);
  const enumOid = element ? element.baseOid : type.baseOid;
  const kind: TypeKind = type.isDomain ? 'domain' : element ? 'array' : (kinds[type.baseTypeType] ?? 'base');
  // A domain's (or an array-of-domain's) type modifier lives on the domain, not on the column.
  const typeModifier =
    attribute.typeModifier !== -1
      ? attribute.typeModifier
      : (type.domainModifier ?? element?.domainModifier ?? -1);
  return {
    name: attribute.name,
    typeOid: attribute.typeOid,
    typeName: type.baseName,
    formattedType: attribute.formattedType,
    typeModifier,
    columnTypeModifier: attribute.typeModifier,
    kind,
    ...(element && {
      elementTypeOid: element.baseOid,
      elementTypeName: element.baseName,
      elementDelimiter: element.delimiter,
    }),
    ...(labels.has(enumOid) && { enumLabels: labels.get(enumOid) }),
    nullable: !attribute.notNull,
    // Variable-length and not stored PLAIN: PostgreSQL may move the value out of line, and an UPDATE that
    // does not touch it then sends "unchanged TOAST" instead of the value.
    toastable: type.baseLength === -1 && attribute.storage !== 'p',
    arrayDimensions: Math.max(1, attribute.dimensions),
  };
}

/** Columns' types resolved (domains to their base, arrays to their element) and their enum labels. */
export async function resolveColumnTypes(
  client: Queryable,
  typeOids: readonly number[],
): Promise<{ types: Map<number, ResolvedType>; labels: Map<number, string[]> }> {
  const types = await resolveTypes(client, [...new Set(typeOids)]);
  const elementOids = [...types.values()].flatMap((type) =>
    type.elementOid === undefined ? [] : [type.elementOid],
  );
  for (const [oid, type] of await resolveTypes(client, [...new Set(elementOids)])) types.set(oid, type);
  const enumOids = [...types.values()]
    .filter((type) => type.baseTypeType === 'e')
    .map((type) => type.baseOid);
  return { types, labels: await enumLabels(client, [...new Set(enumOids)]) };
}

export async function loadTableDefinition(
  client: Queryable,
  schema: string,
  table: string,
  options: LoadTableOptions = {},
): Promise<CatalogTable> {
  const label = `${schema}.${table}`;
  const relation = await findRelation(client, schema, table);
  if (!relation) throw configError(label, 'does not exist (or is not a table)');

  const attributes = await listAttributes(client, relation.oid);
  const names = new Set(attributes.map((attribute) => attribute.name));
  const keyColumns = options.keyColumns ? [...options.keyColumns] : await primaryKey(client, relation.oid);
  if (keyColumns.length === 0) throw configError(label, 'has no primary key: declare the key columns');
  for (const name of [...keyColumns, ...(options.columns ?? [])]) {
    if (!names.has(name)) throw configError(label, `has no column "${name}"`);
  }
  const published = options.columns ? new Set([...options.columns, ...keyColumns]) : names;
  const selected = attributes.filter((attribute) => published.has(attribute.name));

  const { types, labels } = await resolveColumnTypes(
    client,
    selected.map((attribute) => attribute.typeOid),
  );

  const keys = new Set(keyColumns);
  return {
    schema,
    table,
    relationOid: relation.oid,
    columns: selected.map((attribute) => ({
      ...buildColumn(attribute, types, labels, label),
      isKey: keys.has(attribute.name),
    })),
    keyColumns,
    replicaIdentity: replicaIdentities[relation.replicaIdentity] ?? 'default',
  };
}

/** The names a column policy publishes, checked against the table (a typo fails with the connector's name). */
export function publishedColumns(
  policy: ColumnPolicy | undefined,
  available: readonly string[],
  connectorName: string,
): string[] | undefined {
  if (!policy) return undefined;
  const listed = policy.mode === 'all' ? (policy.exclude ?? []) : policy.include;
  const unknown = listed.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `connector ${connectorName}: unknown column(s) ${unknown.map((name) => `"${name}"`).join(', ')}`,
    );
  }
  if (policy.mode === 'only') return [...policy.include];
  const excluded = new Set(policy.exclude ?? []);
  return available.filter((name) => !excluded.has(name));
}

/** loadTableDefinition with a connector's source, key and column policy. */
export async function loadConnectorTable(
  client: Queryable,
  connector: ConnectorDefinition,
): Promise<CatalogTable> {
  const { schema, table } = connector.source;
  const all = await loadTableDefinition(client, schema, table, { keyColumns: connector.key });
  const columns = publishedColumns(
    connector.columns,
    all.columns.map((column) => column.name),
    connector.name,
  );
  if (columns === undefined) return all;
  const excludedKeys = all.keyColumns.filter(
    (name) => !columns.includes(name) && connector.columns?.mode === 'all',
  );
  if (excludedKeys.length > 0) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `connector ${connector.name}: cannot exclude key column(s) ${excludedKeys.join(', ')}`,
    );
  }
  // Key columns are always published (`only` lists need not repeat them).
  const keep = new Set([...columns, ...all.keyColumns]);
  return { ...all, columns: all.columns.filter((column) => keep.has(column.name)) };
}
