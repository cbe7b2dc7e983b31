/**
 * A raw table's shape as the analytics database has it (columns and types from the catalog, the primary key
 * as the conflict columns), with the connector's delete and truncate policies. Read from the database, not from
 * the schemas: the table is what the merge must match, whatever migrations or additive changes made it.
 */
import type pg from 'pg';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import { rawMetadataColumns } from '../../../lib/raw/raw-table.ts';
import type { RawTableShape } from './merge-sql.ts';

const metadata = new Set(rawMetadataColumns.map((column) => column.name));

export async function loadTableShape(
  client: pg.ClientBase,
  connector: ConnectorDefinition,
): Promise<RawTableShape> {
  const table = connector.destination.table;
  const { rows } = await client.query<{ name: string; type: string; key: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            coalesce(a.attnum = ANY(i.indkey), false) AS key
       FROM pg_attribute a
       LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [`analytics_raw."${table.replaceAll('"', '""')}"`],
  );
  if (rows.length === 0) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `analytics_raw.${table} does not exist: generate its migration (npm run raw -- migration ${connector.name}) and apply it (npm run db:migrate)`,
      { details: { table: connector.name } },
    );
  }
  const columns = rows
    .filter((row) => !metadata.has(row.name))
    .map((row) => ({ name: row.name, sqlType: row.type }));
  const key = rows.filter((row) => row.key).map((row) => row.name);
  const conflictColumns = connector.destination.conflictColumns ?? key;
  if (conflictColumns.length === 0) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `analytics_raw.${table} has no primary key and the connector names no conflict columns`,
    );
  }
  return {
    table,
    columns,
    conflictColumns,
    deletes: connector.destination.deletes ?? 'soft',
    keyConstraints: await keyConstraints(client, table, conflictColumns),
  };
}

/** Unique indexes (a primary key's included) on exactly the conflict columns: see RawTableShape. */
async function keyConstraints(
  client: pg.ClientBase,
  table: string,
  conflictColumns: readonly string[],
): Promise<string[]> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.relname::text AS name,
            array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) AS k(attnum)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL`,
    [`analytics_raw."${table.replaceAll('"', '""')}"`],
  );
  const wanted = [...conflictColumns].sort().join('\u0000');
  return rows.filter((row) => [...row.columns].sort().join('\u0000') === wanted).map((row) => row.name);
}
