/**
 * Column definitions from the types a relation message names (type oid and modifier), for the columns whose
 * type the catalog no longer has for them: a reader behind an `ALTER COLUMN ... TYPE` (during a deploy, after an
 * outage) decodes the changes written before it, whose text is the OLD type's. Mapping that text with today's
 * type would be wrong (a `timestamp` read as a `timestamptz`) or fail (a `text` read as an `integer`); the
 * relation message before those changes says what they are.
 *
 * What a relation message does not say is assumed, on the safe side: nullable; one array dimension (a value of
 * more travels as exact text, see mapping/README.md); toastable when the type's default storage is. A type that
 * no longer exists at all (dropped since) is its text form: exact, never dropped.
 */
import { buildColumn, type CatalogColumn, resolveColumnTypes } from './load-table.ts';
import { formatTypes, type Queryable, type ResolvedType } from './queries.ts';

/** A column as a relation message describes it. */
export interface RelationColumnType {
  name: string;
  typeOid: number;
  typeModifier: number;
}

export interface TypeFacts {
  /** The column's type and element type, resolved (absent: the type was dropped since). */
  types: ReadonlyMap<number, ResolvedType>;
  labels: ReadonlyMap<number, string[]>;
  /** `format_type(typeOid, typeModifier)` of the column. */
  formattedType: string;
}

export const droppedTypeName = 'unknown (type dropped since)';

/** Pure: the definition of one relation column from its type's facts. */
export function relationColumn(
  column: RelationColumnType,
  facts: TypeFacts,
  keyColumns: readonly string[],
  label: string,
): CatalogColumn {
  const isKey = keyColumns.includes(column.name);
  const type = facts.types.get(column.typeOid);
  const element = type?.elementOid === undefined ? undefined : facts.types.get(type.elementOid);
  if (!type || (type.elementOid !== undefined && !element)) {
    return {
      name: column.name,
      typeOid: column.typeOid,
      typeName: 'text',
      formattedType: droppedTypeName,
      typeModifier: -1,
      columnTypeModifier: column.typeModifier,
      kind: 'base',
      nullable: true,
      isKey,
      toastable: true,
      arrayDimensions: 1,
    };
  }
  const attribute = {
    name: column.name,
    typeOid: column.typeOid,
    typeModifier: column.typeModifier,
    notNull: false,
    dimensions: 1,
    storage: type.storage,
    formattedType: facts.formattedType,
  };
  return { ...buildColumn(attribute, facts.types, facts.labels, label), isKey };
}

/** The definitions of `columns` from their types (a few catalog queries, only when a column's type changed). */
export async function describeRelationColumns(
  client: Queryable,
  columns: readonly RelationColumnType[],
  keyColumns: readonly string[],
  label: string,
): Promise<CatalogColumn[]> {
  if (columns.length === 0) return [];
  const { types, labels } = await resolveColumnTypes(
    client,
    columns.map((column) => column.typeOid),
  );
  const formatted = await formatTypes(client, columns);
  return columns.map((column, index) =>
    relationColumn(
      column,
      { types, labels, formattedType: formatted[index] ?? droppedTypeName },
      keyColumns,
      label,
    ),
  );
}
