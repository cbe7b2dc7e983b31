/**
 * A captured table ready to stream: its connector, its definition (published columns, in the relation's
 * order), the row mapper, the Avro types and registered schema ids of its key and envelope, and its topic.
 *
 * Built when the stream first describes the table and again whenever its description changes (ADD/DROP
 * COLUMN, type change), so a new schema version is registered before the first event that needs it.
 */
import type { Type } from 'avsc';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { avroType } from '../../../lib/avro/index.ts';
import { keySubject, type SchemaRegistryClient, valueSubject } from '../../../lib/registry/index.ts';
import {
  type CatalogColumn,
  type CatalogTable,
  loadConnectorTable,
  type Queryable,
} from '../catalog/index.ts';
import { buildEnvelopeSchema } from '../envelope/index.ts';
import { buildRowSchemas, createRowMapper, type RowMapper } from '../mapping/index.ts';
import type { Relation } from '../replication/index.ts';

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
   * column that older changes still carry; its last known definition keeps its type (and schema) unchanged.
   */
  knownColumns?: Map<number, Map<string, CatalogColumn>>;
  /** Told when a table is paused, and why, or streams again. */
  onPaused?: (table: string, paused: boolean, cause?: PauseCause) => void;
}

const droppedColumnType = 'unknown (dropped since)';

/**
 * A column the stream still sends but the catalog no longer has (dropped since this point of the WAL): kept as
 * text, so replaying old changes loses nothing.
 */
function droppedColumn(column: Relation['columns'][number]): CatalogColumn {
  return {
    name: column.name,
    typeOid: column.typeOid,
    typeName: 'text',
    formattedType: droppedColumnType,
    typeModifier: -1,
    kind: 'base',
    nullable: true,
    isKey: column.isKey,
    toastable: true,
    arrayDimensions: 0,
  };
}

/** The catalog describes the table as it is now; the relation message, as it was at this point of the WAL. */
export function alignWithRelation(
  catalog: CatalogTable,
  relation: Relation,
  known: ReadonlyMap<string, CatalogColumn> = new Map(),
): CatalogTable {
  const byName = new Map(catalog.columns.map((column) => [column.name, column]));
  return {
    ...catalog,
    relationOid: relation.relationOid,
    replicaIdentity: relation.replicaIdentity,
    columns: relation.columns.map(
      (column) => byName.get(column.name) ?? known.get(column.name) ?? droppedColumn(column),
    ),
  };
}

export async function prepareCapturedTable(
  connector: ConnectorDefinition,
  topic: string,
  relation: Relation,
  context: PrepareContext,
): Promise<CapturedTable> {
  const known = context.knownColumns?.get(relation.relationOid) ?? new Map<string, CatalogColumn>();
  const definition = alignWithRelation(await loadConnectorTable(context.catalog, connector), relation, known);
  for (const column of definition.columns) {
    if (column.formattedType !== droppedColumnType) known.set(column.name, column);
  }
  context.knownColumns?.set(relation.relationOid, known);
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
