/**
 * A scratch analytics database as production has it (the dbmate migrations: schemas, cursor table), plus the
 * bench table's raw table built the way `npm run raw -- migration` builds one: from the key and value schemas
 * the reader registered, so its column types are exactly the ones the reader chose.
 */
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { type RawColumn, rawColumnsOf, rawTableDdl } from '../../lib/raw/raw-table.ts';
import { keySubject, valueSubject } from '../../lib/registry/index.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { rowRecordOf } from '../../services/raw-sink/decode/change-decoder.ts';
import { query, withDatabase } from './postgres.ts';

/** Creates and migrates `database`; returns the sink role's URL of it. */
export async function createAnalyticsDatabase(
  ownerUrl: string,
  sinkUrl: string,
  database: string,
): Promise<string> {
  const sinkRole = decodeURIComponent(new URL(sinkUrl).username);
  await query(ownerUrl, `CREATE DATABASE ${database}`);
  await query(ownerUrl, `GRANT CONNECT, CREATE ON DATABASE ${database} TO ${sinkRole}`);
  const url = withDatabase(sinkUrl, database);
  const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
  if (migrated.code !== 0) throw new Error(`dbmate up failed on ${database}:\n${migrated.output}`);
  return url;
}

async function latestSchema(registryUrl: string, subject: string): Promise<unknown> {
  const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`registry: ${subject}: HTTP ${response.status}`);
  return JSON.parse(((await response.json()) as { schema: string }).schema);
}

/** The raw table of `connector` on `topic`, created from the topic's registered schemas. */
export async function createRawTable(
  analyticsUrl: string,
  registryUrl: string,
  connector: ConnectorDefinition,
  topic: string,
): Promise<RawColumn[]> {
  const value = rowRecordOf(await latestSchema(registryUrl, valueSubject(topic)));
  const key = (await latestSchema(registryUrl, keySubject(topic))) as Parameters<typeof rawColumnsOf>[0];
  const columns = rawColumnsOf(value, connector.name);
  await query(
    analyticsUrl,
    rawTableDdl({
      table: connector.destination.table,
      source: `${connector.source.schema}.${connector.source.table}`,
      columns,
      conflictColumns: rawColumnsOf(key, `${connector.name} key`).map((column) => column.name),
    }),
  );
  return columns;
}
