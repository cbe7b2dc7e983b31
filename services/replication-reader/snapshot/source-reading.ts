/**
 * What both snapshot kinds (the initial copy and incremental chunks) need to read core rows the way the stream
 * delivers them: values in PostgreSQL's text form with the stream's session settings, and the table described
 * as a relation message would describe it.
 */
import pg from 'pg';
import type { Logger } from '../../../lib/logging/index.ts';
import type { CatalogTable } from '../catalog/index.ts';
import type { Relation } from '../replication/index.ts';

/** Text form for every type: node-postgres' parsers would drop microseconds and shift dates. */
const asText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export async function connectTextClient(
  url: string,
  applicationName: string,
  logger: Logger,
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    types: asText,
    options: '-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3',
  });
  // Without a listener a dropped connection would crash the process; the failing query reports it instead.
  client.on('error', (error) => logger.warn({ err: error, applicationName }, 'snapshot connection lost'));
  await client.connect();
  return client;
}

/** The relation message pgoutput would send for the table now: published columns in attribute order. */
export function relationOf(definition: CatalogTable): Relation {
  return {
    schema: definition.schema,
    table: definition.table,
    relationOid: definition.relationOid,
    replicaIdentity: definition.replicaIdentity,
    columns: definition.columns.map((column) => ({
      name: column.name,
      typeOid: column.typeOid,
      // The column's own modifier, as pgoutput sends it (typeModifier may be its domain's).
      typeModifier: column.columnTypeModifier,
      isKey: column.isKey,
    })),
    keyColumns: definition.keyColumns,
  };
}
