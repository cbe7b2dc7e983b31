/**
 * The initial copy of the captured tables, inside the slot's exported snapshot: every row is then either in the
 * copy (as an `r` event at the slot's consistent point) or in the stream after it, never in neither and never
 * in both. One REPEATABLE READ transaction imports the snapshot and reads every table through a cursor, so
 * memory stays bounded whatever the table size; only the published columns are selected, so excluded columns
 * are never read. Values are read in PostgreSQL's text form, with the same session settings as the stream.
 * Each table ends with its snapshot-end events, after which the sink deletes what the copy did not hold.
 */
import type pg from 'pg';
import type { ConnectorCatalogue } from '../../../connectors/index.ts';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import { formatLsn, quoteIdentifier, quoteLiteral } from '../../../lib/postgres/index.ts';
import { loadConnectorTable } from '../catalog/index.ts';
import type { ReaderMetrics } from '../metrics.ts';
import type { Lsn, RowChange, TextRow } from '../model.ts';
import { type CapturedTable, type PrepareContext, prepareCapturedTable } from '../pipeline/captured-table.ts';
import { changeMessages } from '../pipeline/change-events.ts';
import type { TableEventKeys } from '../pipeline/table-event-keys.ts';
import type { BatchingProducer } from '../producer/batching-producer.ts';
import type { Relation } from '../replication/index.ts';
import { connectTextClient, relationOf } from './source-reading.ts';

export interface CopyTablesOptions {
  url: string;
  snapshotName: string;
  consistentPoint: Lsn;
  connectors: ConnectorCatalogue;
  prepare: PrepareContext;
  producer: BatchingProducer;
  metrics: ReaderMetrics;
  logger: Logger;
  db: string;
  tableKeys: (topic: string) => TableEventKeys;
  partitions: (topic: string) => number;
  fetchRows?: number;
}

export interface CopiedTable {
  table: string;
  copiedRows: number;
  seconds: number;
}

/** A copied table, and the columns the copy read for every row (snapshot/column-coverage.ts). */
export interface CopyOutcome {
  copied: CopiedTable;
  relation: Relation;
}

async function copyTable(
  client: pg.Client,
  connector: ConnectorDefinition,
  options: CopyTablesOptions,
  isLastTable: boolean,
): Promise<CopyOutcome> {
  const started = performance.now();
  const definition = await loadConnectorTable(client, connector);
  const relation = relationOf(definition);
  const topic = options.connectors.topicOf(connector);
  const table: CapturedTable = await prepareCapturedTable(connector, topic, relation, options.prepare);
  const source = `${quoteIdentifier(definition.schema)}.${quoteIdentifier(definition.table)}`;
  const label = connector.name;
  const total = Number(
    (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${source}`)).rows[0]?.n ?? 0,
  );
  const columns = table.columnNames.map(quoteIdentifier).join(', ');
  const cursor = quoteIdentifier(`cdc_snapshot_${definition.relationOid}`);
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${columns} FROM ${source}`);
  const commitTimeMicros = BigInt(Date.now()) * 1000n;
  const ref = { schema: definition.schema, table: definition.table, relationOid: definition.relationOid };
  const tableKeys = options.tableKeys(topic);
  const partitions = options.partitions(topic);
  const eventContext = () => ({
    prefix: options.connectors.topicPrefix,
    db: options.db,
    processingTimeMs: Date.now(),
    tableKeys,
    partitions,
  });
  let copied = 0;
  let lastLog = performance.now();
  options.metrics.snapshotProgress.set({ table: label }, 0);
  for (;;) {
    const { rows } = await client.query<TextRow>(`FETCH ${options.fetchRows ?? 2_000} FROM ${cursor}`);
    if (rows.length === 0) break;
    for (const [index, row] of rows.entries()) {
      const last = isLastTable && copied + index + 1 === total;
      const change: RowChange = {
        op: 'r',
        table: ref,
        position: { commitLsn: options.consistentPoint, lsn: 0n, xid: 0, commitTimeMicros },
        after: row,
        snapshot: last ? 'last' : 'true',
      };
      for (const message of changeMessages(table, change, eventContext())) {
        await options.producer.enqueue(message);
      }
    }
    copied += rows.length;
    options.metrics.snapshotRows.inc({ table: label }, rows.length);
    options.metrics.snapshotProgress.set({ table: label }, total === 0 ? 1 : Math.min(1, copied / total));
    if (performance.now() - lastLog > 5_000) {
      lastLog = performance.now();
      options.logger.info(
        { table: label, copied, total },
        `snapshot ${Math.round((copied / Math.max(total, 1)) * 100)}%`,
      );
    }
  }
  await client.query(`CLOSE ${cursor}`);
  // After the table's rows on every partition: raw rows older than the consistent point that the copy did not
  // write are gone from the source (deleted while no slot existed, or before a re-created slot's copy).
  const end: RowChange = {
    op: 'snapshot-end',
    table: ref,
    position: { commitLsn: options.consistentPoint, lsn: 0n, xid: 0, commitTimeMicros },
  };
  for (const message of changeMessages(table, end, eventContext())) await options.producer.enqueue(message);
  options.metrics.snapshotProgress.set({ table: label }, 1);
  return {
    copied: { table: label, copiedRows: copied, seconds: (performance.now() - started) / 1000 },
    relation: table.relation,
  };
}

export async function copyTables(options: CopyTablesOptions): Promise<CopyOutcome[]> {
  const client = await connectTextClient(options.url, 'cdc-reader-snapshot', options.logger);
  const copied: CopyOutcome[] = [];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(options.snapshotName)}`);
    options.logger.info(
      { consistentPoint: formatLsn(options.consistentPoint), tables: options.connectors.connectors.length },
      'initial snapshot started',
    );
    const connectors = options.connectors.connectors;
    for (const [index, connector] of connectors.entries()) {
      const result = await copyTable(client, connector, options, index === connectors.length - 1);
      copied.push(result);
      options.logger.info(result.copied, 'table copied');
    }
    await client.query('COMMIT');
    await options.producer.flush();
    return copied;
  } finally {
    await client.end().catch(() => undefined);
  }
}
