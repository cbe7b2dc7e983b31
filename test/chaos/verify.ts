/**
 * Row-by-row comparison of every captured core table with its raw table (live rows, `_deleted = false`; for a
 * hard-delete connector every raw row but those a truncate marked, since a delete leaves no row): each
 * row is reduced to md5 of its published columns' text forms (both sessions in UTC, so timestamps print alike),
 * keyed by its primary key; the two sides' sets are compared key by key and summed up as an order-independent
 * checksum. Excluded columns must be absent from raw; pseudonymised ones are compared for presence (null or not)
 * only. Raw keys must be unique, soft-deleted rows included. Differences are reported by key, never by value.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { excludedColumnsOf, pseudonymisedColumnsOf } from '../../connectors/catalogue.ts';
import { allConnectors } from '../../connectors/index.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { quoteIdentifier } from '../../lib/postgres/index.ts';
import { hardDeleteConnectors } from './hard-deletes/index.ts';

/** How many keys of each kind of difference the report lists. */
const listedKeys = 10;

export interface KeyList {
  count: number;
  first: string[];
}

export interface TableComparison {
  table: string;
  key: string[];
  /** Compared by value, in this order. */
  columns: string[];
  /** Compared for presence only (pseudonymised). */
  presenceOnly: string[];
  excluded: string[];
  /** Published core columns the raw table lacks (a schema change that did not arrive). */
  missingRawColumns: string[];
  /** Excluded columns the raw table has (they must never leave core). */
  leakedColumns: string[];
  /** How deletes reach raw for this run (hard-deletes/). */
  deletes: 'soft' | 'hard';
  coreRows: number;
  rawLiveRows: number;
  rawDeletedRows: number;
  /**
   * Hard deletes: raw rows marked deleted by something other than a truncate (a delete that did not remove its
   * row); they count as extra rows. Truncates mark rows deleted under either policy (raw-sink README).
   */
  softDeletedInHardTable: number;
  /** Hard deletes: keys in the deletion ledger (cdc.deleted_rows), which proves the sinks deleted hard. */
  ledgerKeys: number;
  coreChecksum: string;
  rawChecksum: string;
  missingInRaw: KeyList;
  extraInRaw: KeyList;
  differing: KeyList;
  duplicateKeys: KeyList;
  ok: boolean;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function columnsOf(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT column_name AS name FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return rows.map((row) => row.name);
}

async function primaryKeyOf(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = format('%I.%I', $1::text, $2::text)::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [schema, table],
  );
  return rows.map((row) => row.name);
}

/** key → md5 of the row's text forms; column names come from the catalogs and are quoted. */
async function rowHashes(
  client: pg.Client,
  from: string,
  key: string[],
  columns: string[],
  presenceOnly: string[],
  where = '',
): Promise<Map<string, string>> {
  const keyExpr = key.map((column) => `${quoteIdentifier(column)}::text`).join(`, ':', `);
  const parts = [
    ...columns.map((column) => `quote_nullable(${quoteIdentifier(column)}::text)`),
    ...presenceOnly.map((column) => `(${quoteIdentifier(column)} IS NULL)::text`),
  ];
  const { rows } = await client.query<{ k: string; h: string }>(
    `SELECT concat(${keyExpr}) AS k, md5(concat_ws(',', ${parts.join(', ')})) AS h FROM ${from} ${where}`,
  );
  return new Map(rows.map((row) => [row.k, row.h]));
}

function checksum(hashes: Map<string, string>): string {
  const lines = [...hashes].map(([key, hash]) => `${key}\t${hash}`).sort();
  return createHash('md5').update(lines.join('\n')).digest('hex');
}

function keyList(keys: string[]): KeyList {
  return { count: keys.length, first: keys.sort().slice(0, listedKeys) };
}

async function compareTable(
  core: pg.Client,
  raw: pg.Client,
  connector: ConnectorDefinition,
): Promise<TableComparison> {
  const { schema, table } = connector.source;
  const excluded = [...excludedColumnsOf(connector)];
  const pseudonymised = new Set(pseudonymisedColumnsOf(connector));
  const coreColumns = (await columnsOf(core, schema, table)).filter((column) => !excluded.includes(column));
  const rawColumns = new Set(await columnsOf(raw, 'analytics_raw', connector.destination.table));
  const key = connector.key ? [...connector.key] : await primaryKeyOf(core, schema, table);
  const missingRawColumns = coreColumns.filter((column) => !rawColumns.has(column));
  const comparable = coreColumns.filter((column) => rawColumns.has(column));
  const columns = comparable.filter((column) => !pseudonymised.has(column));
  const presenceOnly = comparable.filter((column) => pseudonymised.has(column));
  const rawTable = `analytics_raw.${quoteIdentifier(connector.destination.table)}`;

  const coreHashes = await rowHashes(
    core,
    `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    key,
    columns,
    presenceOnly,
  );
  const hard = hardDeleteConnectors.includes(connector.name);
  // Hard deletes leave no row, so no filter on _deleted: a delete applied softly shows as an extra row. Only a
  // truncate's mark (`_op = 't'`) stays, under either policy.
  const rawHashes = await rowHashes(
    raw,
    rawTable,
    key,
    columns,
    presenceOnly,
    hard ? `WHERE NOT (_deleted AND _op = 't')` : 'WHERE NOT _deleted',
  );
  const missing = [...coreHashes.keys()].filter((k) => !rawHashes.has(k));
  const extra = [...rawHashes.keys()].filter((k) => !coreHashes.has(k));
  const differing = [...coreHashes]
    .filter(([k, h]) => rawHashes.has(k) && rawHashes.get(k) !== h)
    .map(([k]) => k);

  const keyExpr = key.map((column) => `${quoteIdentifier(column)}::text`).join(`, ':', `);
  const duplicates = await raw.query<{ k: string }>(
    `SELECT concat(${keyExpr}) AS k FROM ${rawTable} GROUP BY 1 HAVING count(*) > 1`,
  );
  const [counts] = (
    await raw.query<{ deleted: string; soft: string }>(
      `SELECT count(*) FILTER (WHERE _deleted)::text AS deleted,
              count(*) FILTER (WHERE _deleted AND _op <> 't')::text AS soft FROM ${rawTable}`,
    )
  ).rows;
  const ledger = hard
    ? await raw.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM cdc.deleted_rows WHERE raw_table = $1',
        [connector.destination.table],
      )
    : undefined;
  const comparison: TableComparison = {
    table: connector.name,
    key,
    columns,
    presenceOnly,
    excluded,
    missingRawColumns,
    leakedColumns: excluded.filter((column) => rawColumns.has(column)),
    deletes: hard ? 'hard' : 'soft',
    coreRows: coreHashes.size,
    rawLiveRows: rawHashes.size,
    rawDeletedRows: Number(counts?.deleted ?? 0),
    softDeletedInHardTable: hard ? Number(counts?.soft ?? 0) : 0,
    ledgerKeys: Number(ledger?.rows[0]?.n ?? 0),
    coreChecksum: checksum(coreHashes),
    rawChecksum: checksum(rawHashes),
    missingInRaw: keyList(missing),
    extraInRaw: keyList(extra),
    differing: keyList(differing),
    duplicateKeys: keyList(duplicates.rows.map((row) => row.k)),
    ok: false,
  };
  comparison.ok =
    comparison.coreChecksum === comparison.rawChecksum &&
    missingRawColumns.length === 0 &&
    comparison.leakedColumns.length === 0 &&
    comparison.duplicateKeys.count === 0;
  return comparison;
}

export async function compareCoreWithRaw(coreUrl: string, analyticsUrl: string): Promise<TableComparison[]> {
  const [core, raw] = [await connect(coreUrl), await connect(analyticsUrl)];
  try {
    const results: TableComparison[] = [];
    for (const connector of allConnectors) results.push(await compareTable(core, raw, connector));
    return results;
  } finally {
    await Promise.all([core.end(), raw.end()].map((p) => p.catch(() => undefined)));
  }
}

/** One line per table, for logs and failure messages: counts and the first differing keys (ids only). */
export function describeComparison(result: TableComparison): string {
  const status = result.ok ? 'ok' : 'DIFFERS';
  const parts = [
    `${result.table.padEnd(16)} ${status.padEnd(7)} core ${result.coreRows}, raw ${result.rawLiveRows} live` +
      (result.deletes === 'hard'
        ? ` (hard deletes: ${result.ledgerKeys} keys in the ledger, +${result.rawDeletedRows} marked by truncates)`
        : ` (+${result.rawDeletedRows} soft-deleted)`) +
      `, ${result.columns.length} columns by value` +
      `${result.presenceOnly.length ? `, ${result.presenceOnly.join('/')} by presence` : ''}, checksum ${result.coreChecksum.slice(0, 12)}` +
      `${result.ok ? '' : ` vs ${result.rawChecksum.slice(0, 12)}`}`,
  ];
  const list = (label: string, keys: KeyList) => {
    if (keys.count > 0) parts.push(`    ${label}: ${keys.count} (first keys: ${keys.first.join(', ')})`);
  };
  list('missing in raw', result.missingInRaw);
  list('extra in raw (live, not in core)', result.extraInRaw);
  list('different values', result.differing);
  list('duplicate keys in raw', result.duplicateKeys);
  if (result.missingRawColumns.length > 0)
    parts.push(`    columns missing in raw: ${result.missingRawColumns.join(', ')}`);
  if (result.leakedColumns.length > 0)
    parts.push(`    excluded columns present in raw: ${result.leakedColumns.join(', ')}`);
  return parts.join('\n');
}
