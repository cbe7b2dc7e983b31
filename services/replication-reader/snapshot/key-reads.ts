/**
 * Repairs: re-reads given rows of one table from core, by key, between watermarks (fenced-chunk.ts), so they
 * reach Kafka as `r` events (`source.snapshot` = `incremental`) in order with the stream: a change made to a key
 * while it is read wins over the read, as in an incremental snapshot. A key no longer in core yields nothing (its
 * delete streams, or streamed). No snapshot end: the read covers some keys, not the table.
 *
 * The sinks ask for it (lib/kafka/repair-requests.ts: a row version whose unchanged TOAST column they could not
 * fill). A request is untrusted input: the table must be a connector, its key columns exactly the connector's
 * key, and the values go to PostgreSQL only as bind parameters, cast to the key columns' types.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectorCatalogue } from '../../../connectors/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { RepairRequest } from '../../../lib/kafka/repair-requests.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import { loadConnectorTable } from '../catalog/index.ts';
import type { ReaderMetrics } from '../metrics.ts';
import type { CapturedTables } from '../pipeline/captured-tables.ts';
import type { ChunkWindows } from './chunk-window.ts';
import { readFencedChunk } from './fenced-chunk.ts';
import { connectTextClient, relationOf } from './source-reading.ts';

export interface KeyReadsOptions {
  url: string;
  connectors: ConnectorCatalogue;
  tables: CapturedTables;
  /** The stream's watermark windows (IncrementalSnapshots.windows): the stream emits what they hold. */
  windows: ChunkWindows;
  metrics: ReaderMetrics;
  logger: Logger;
  /** Keys per chunk (default 500). */
  chunkRows?: number;
}

/** A request that cannot be served as asked (unknown table, wrong key columns): refused, not retried. */
export class RefusedRepair extends PipelineError {
  constructor(message: string, table: string) {
    super('INVALID_ARGUMENT', message, { details: { table } });
  }
}

export class KeyReads {
  private sequence = 0;
  /** In every window id (see chunk-window.ts: a replayed watermark of an earlier run must not match). */
  private readonly instance = randomBytes(6).toString('hex');

  constructor(private readonly options: KeyReadsOptions) {}

  /**
   * Reads the request's rows; resolves with the rows emitted once Kafka acknowledged them. `cancelled` rejecting
   * (the reader stops, a deadline) abandons the chunk in progress: the sink asks again.
   */
  async read(request: RepairRequest, cancelled: Promise<never>): Promise<{ emitted: number }> {
    const connector = this.options.connectors.byName(request.table);
    if (!connector) throw new RefusedRepair(`no connector named ${request.table}`, request.table);
    const client = await connectTextClient(this.options.url, 'cdc-reader-repair', this.options.logger);
    try {
      const definition = await loadConnectorTable(client, connector);
      const keyColumns = definition.keyColumns;
      const expected = [...keyColumns].sort().join(',');
      if (request.keys.some((key) => Object.keys(key).sort().join(',') !== expected)) {
        throw new RefusedRepair(
          `repair keys of ${request.table} must name exactly its key columns (${keyColumns.join(', ')})`,
          request.table,
        );
      }
      const captured = await this.options.tables.ensureDescribed(relationOf(definition));
      if (!captured) {
        // Paused: the rows would be held anyway. The sink asks again later.
        throw new PipelineError('INVALID_ARGUMENT', `table ${request.table} is paused: repair not read now`, {
          retriable: true,
          details: { table: request.table },
        });
      }
      const types = keyColumns.map(
        (name) => definition.columns.find((column) => column.name === name)?.formattedType ?? 'text',
      );
      const source = `${quoteIdentifier(definition.schema)}.${quoteIdentifier(definition.table)}`;
      const keys = keyColumns.map(quoteIdentifier).join(', ');
      const arrays = types.map((type, index) => `$${index + 1}::${type}[]`).join(', ');
      const sql =
        `SELECT ${captured.columnNames.map(quoteIdentifier).join(', ')} FROM ${source} ` +
        `WHERE (${keys}) IN (SELECT * FROM unnest(${arrays}))`;
      const chunkRows = this.options.chunkRows ?? 500;
      let emitted = 0;
      for (let start = 0; start < request.keys.length; start += chunkRows) {
        const chunk = request.keys.slice(start, start + chunkRows);
        const values = keyColumns.map((column) => chunk.map((key) => key[column]));
        const read = await readFencedChunk(client, this.options.windows, cancelled, {
          id: `repair/${this.instance}/${++this.sequence}`,
          table: relationOf(definition),
          keyColumns,
          select: () => client.query<Record<string, string | null>>(sql, values),
          onStale: () => this.options.metrics.snapshotStaleChunks.inc({ table: request.table }),
        });
        emitted += read.emitted;
      }
      this.options.metrics.repairRows.inc({ table: request.table }, emitted);
      return { emitted };
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
