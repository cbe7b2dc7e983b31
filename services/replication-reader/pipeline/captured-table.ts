/**
 * A captured table ready to stream: its connector, its definition (published columns, in the relation's
 * order), the row mapper, the Avro types and registered schema ids of its key and envelope, and its topic.
 *
 * Built when the stream first describes the table and again whenever its description changes (ADD/DROP
 * COLUMN, type change), so a new schema version is registered before the first event that needs it. Each
 * column has the type the relation message gives it, not necessarily today's: a reader behind an
 * `ALTER COLUMN ... TYPE` encodes the older changes with the older type's schema (registering a schema
 * identical to an earlier version returns that version's id), and the newer ones with the new type's.
 */
import type { Type } from 'avsc';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { avroType } from '../../../lib/avro/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import { keySubject, type SchemaRegistryClient, valueSubject } from '../../../lib/registry/index.ts';
import {
  type CatalogColumn,
  type CatalogTable,
  describeRelationColumns,
  loadConnectorTable,
  type Queryable,
} from '../catalog/index.ts';
import { buildEnvelopeSchema } from '../envelope/index.ts';
import { buildRowSchemas, createRowMapper, type RowMapper } from '../mapping/index.ts';
import type { Relation, RelationColumn } from '../replication/index.ts';

export interface CapturedTable {
  connector: ConnectorDefinition;
  topic: string;
  definition: CatalogTable;
  mapper: RowMapper;
  keyType: Type;
  valueType: Type;
  keySchemaId: number;
  valueSchemaId: number;
  /** Names of all published columns: rows that carry only some (a delete's old key) get NULL for the rest. */
  columnNames: readonly string[];
  /** The relation message it was built from (what a pause must remember to describe the table again). */
  relation: Relation;
}

/**
 * Why a table is paused: the registry rejected its new schema; its topic refused a change as too large; or one
 * of its values cannot be mapped (a key value beyond its Avro type: see mapping/README.md, "Exact text").
 */
export type PauseCause = 'schema' | 'too-large' | 'unmappable';

export interface PrepareContext {
  catalog: Queryable;
  registry: SchemaRegistryClient;
  pseudonymisationKey: string | undefined;
  /**
   * Column definitions seen so far, per relation: when the reader is behind, the catalog may already lack a
   * column (or have it with another type) that older changes still carry; its last known definition with that
   * type keeps its schema unchanged.
   */
  knownColumns?: Map<number, Map<string, CatalogColumn>>;
  /** Told when a table is paused, and why, or streams again. */
  onPaused?: (table: string, paused: boolean, cause?: PauseCause) => void;
}

/** Whether a definition describes the column with the type a relation message gives it (oid and modifier). */
const sameType = (column: CatalogColumn | undefined, wal: RelationColumn): column is CatalogColumn =>
  column !== undefined && column.typeOid === wal.typeOid && column.columnTypeModifier === wal.typeModifier;

/**
 * The catalog describes the table as it is now; the relation message, as it was at this point of the WAL, and
 * the changes that follow it carry values of the relation's types. So each column is the catalog's (or an
 * earlier description's) only when that has exactly the relation's type; the others come from `described`
 * (built from the relation's own types, catalog/relation-columns.ts). Pure: `columnsToDescribe` says which.
 */
export function alignWithRelation(
  catalog: CatalogTable,
  relation: Relation,
  known: ReadonlyMap<string, CatalogColumn>,
  described: ReadonlyMap<string, CatalogColumn>,
): CatalogTable {
  const byName = new Map(catalog.columns.map((column) => [column.name, column]));
  return {
    ...catalog,
    relationOid: relation.relationOid,
    replicaIdentity: relation.replicaIdentity,
    columns: relation.columns.map((wal) => {
      const current = byName.get(wal.name);
      if (sameType(current, wal)) return current;
      const earlier = known.get(wal.name);
      if (sameType(earlier, wal)) return earlier;
      const fromRelation = described.get(wal.name);
      if (!fromRelation) {
        throw new PipelineError('INTERNAL', `column ${wal.name} of ${relation.table} was not described`);
      }
      return fromRelation;
    }),
  };
}

/** The relation's columns that neither the catalog nor an earlier description has with the relation's type. */
export function columnsToDescribe(
  catalog: CatalogTable,
  relation: Relation,
  known: ReadonlyMap<string, CatalogColumn>,
): RelationColumn[] {
  const byName = new Map(catalog.columns.map((column) => [column.name, column]));
  return relation.columns.filter(
    (wal) => !sameType(byName.get(wal.name), wal) && !sameType(known.get(wal.name), wal),
  );
}

/** The table as the relation message describes it, with the catalog's facts wherever they still apply. */
async function definitionAt(
  context: PrepareContext,
  connector: ConnectorDefinition,
  relation: Relation,
): Promise<CatalogTable> {
  const known = context.knownColumns?.get(relation.relationOid) ?? new Map<string, CatalogColumn>();
  const catalog = await loadConnectorTable(context.catalog, connector);
  const missing = columnsToDescribe(catalog, relation, known);
  const label = `${relation.schema}.${relation.table}`;
  const described = await describeRelationColumns(context.catalog, missing, catalog.keyColumns, label);
  const definition = alignWithRelation(
    catalog,
    relation,
    known,
    new Map(described.map((column) => [column.name, column])),
  );
  // Only the catalog's own facts are remembered: they know the declared dimensions and storage.
  for (const column of catalog.columns) known.set(column.name, column);
  context.knownColumns?.set(relation.relationOid, known);
  return definition;
}

export async function prepareCapturedTable(
  connector: ConnectorDefinition,
  topic: string,
  relation: Relation,
  context: PrepareContext,
): Promise<CapturedTable> {
  const definition = await definitionAt(context, connector, relation);
  const { keySchema, rowSchema } = buildRowSchemas(definition, connector, { namespace: topic });
  const envelopeSchema = buildEnvelopeSchema(rowSchema);
  // Registered before the first event of this shape is produced; an incompatible change fails here.
  const keySchemaId = await context.registry.register(keySubject(topic), keySchema);
  const valueSchemaId = await context.registry.register(valueSubject(topic), envelopeSchema);
  return {
    connector,
    topic,
    definition,
    mapper: createRowMapper(definition, connector, { pseudonymisationKey: context.pseudonymisationKey }),
    keyType: avroType(keySchema),
    valueType: avroType(envelopeSchema),
    keySchemaId,
    valueSchemaId,
    columnNames: definition.columns.map((column) => column.name),
    relation,
  };
}
