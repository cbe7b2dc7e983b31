/**
 * Incremental snapshots: one table re-read in key order, chunk by chunk, while streaming goes on (DBLog
 * watermarks, see chunk-window.ts). Used by `cdc snapshot <table>` (a signal in the WAL, see signals.ts) and for
 * a connector added to an existing slot, whose existing rows the initial copy never saw.
 *
 * - One table at a time; each chunk's rows become `r` events (source.snapshot = "incremental") in the stream,
 *   at the high watermark, and are confirmed like any change.
 * - Progress (last key copied, rows, total) goes to the state topic after each acknowledged chunk (at most once a
 *   second), so a crashed or restarted reader resumes from the last chunk, not from the start.
 * - Progress for people: `cdc_reader_snapshot_progress_ratio{table}`, log lines, and `cdc snapshot`'s bar.
 * - At the end, the table's snapshot-end events (snapshot-end.ts): the sink marks deleted the raw rows the
 *   snapshot did not write, which are gone from the source (deleted while no slot streamed them).
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { ConnectorCatalogue } from '../../../connectors/index.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import { formatLsn, parseLsn, quoteIdentifier } from '../../../lib/postgres/index.ts';
import { backoffDelay, sleep } from '../../../lib/retry/backoff.ts';
import {
  readStates,
  requestedTableSnapshot,
  snapshotProgressRatio,
  type TableSnapshotState,
  tableColumnsKey,
  tableSnapshotKey,
} from '../../../lib/source/reader-state.ts';
import type { ReaderStateStore } from '../../../lib/source/reader-state-store.ts';
import { parseSignal } from '../../../lib/source/signals.ts';
import { loadConnectorTable } from '../catalog/index.ts';
import type { ReaderMetrics } from '../metrics.ts';
import type { TableRef } from '../model.ts';
import type { CapturedTables } from '../pipeline/captured-tables.ts';
import { ChunkWindows } from './chunk-window.ts';
import type { ColumnCoverage } from './column-coverage.ts';
import { readFencedChunk } from './fenced-chunk.ts';
import { SnapshotEnds, snapshotEndPrefix } from './snapshot-end.ts';
import { connectTextClient, relationOf } from './source-reading.ts';

export interface IncrementalSnapshotOptions {
  url: string;
  slot: string;
  kafka: Kafka;
  admin: Admin;
  stateTopic: string;
  /** Writes the progress (fenced: a reader that lost its lease cannot overwrite its successor's). */
  store: ReaderStateStore;
  /** Told the columns each snapshot reads for every row (column-coverage.ts), and given their stored record. */
  coverage?: ColumnCoverage;
  connectors: ConnectorCatalogue;
  tables: CapturedTables;
  metrics: ReaderMetrics;
  logger: Logger;
  chunkRows?: number;
}

export const defaultChunkRows = 2_048;
const stateWriteIntervalMs = 1_000;
const maxAttempts = 8;

class Stopped extends Error {}

export class IncrementalSnapshots {
  readonly windows = new ChunkWindows();
  readonly ends = new SnapshotEnds();
  /**
   * In every watermark and end id. A restarted reader replays the WAL from its slot's confirmed position, which
   * can hold the watermarks of the run before it: with ids of request, chunk and attempt only, those would
   * close this run's windows of the same ids, and the chunk would go out at the old, lower position (below its
   * snapshot end, which would then delete it).
   */
  private readonly instance = randomBytes(6).toString('hex');
  private readonly queue: TableSnapshotState[] = [];
  private readonly latest = new Map<string, TableSnapshotState>();
  private readonly stopping = new AbortController();
  private readonly stopped: Promise<never>;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: IncrementalSnapshotOptions) {
    this.stopped = new Promise<never>((_, reject) => {
      this.stopping.signal.addEventListener('abort', () => reject(new Stopped('reader stopping')), {
        once: true,
      });
    });
    this.stopped.catch(() => undefined);
  }

  /** Loads this slot's snapshot states (and column coverage) and resumes the unfinished snapshots. */
  async start(): Promise<void> {
    const prefix = tableSnapshotKey(this.options.slot, '');
    const coveragePrefix = tableColumnsKey(this.options.slot, '');
    const stored = await readStates(
      this.options.kafka,
      this.options.admin,
      this.options.stateTopic,
      (key) => key.startsWith(prefix) || key.startsWith(coveragePrefix),
    );
    const states: TableSnapshotState[] = [];
    const coverage: unknown[] = [];
    for (const [key, value] of stored) {
      if (key.startsWith(prefix)) states.push(value as TableSnapshotState);
      else coverage.push(value);
    }
    this.options.coverage?.load(coverage);
    for (const state of states) {
      this.latest.set(state.table, state);
      if (state.status === 'running') {
        this.options.logger.info(
          { table: state.table, id: state.id, rows: state.rows },
          'resuming incremental snapshot',
        );
        this.enqueue(state);
      }
    }
  }

  /** The latest state of a table's snapshot, if one was ever requested. */
  stateOf(table: string): TableSnapshotState | undefined {
    return this.latest.get(table);
  }

  /** A `cdc.signal` message from the stream. */
  async onSignal(content: string): Promise<void> {
    const signal = parseSignal(content);
    if (!signal) {
      this.options.logger.warn('ignoring a cdc.signal message this reader does not understand');
      return;
    }
    await this.request(signal.table, signal.id);
  }

  /** Starts (or restarts) the snapshot of `table` unless request `id` was already seen (a replayed signal). */
  async request(table: string, id: string): Promise<void> {
    if (this.latest.get(table)?.id === id) return;
    const state = requestedTableSnapshot(id, table);
    if (!this.options.connectors.byName(table)) {
      state.status = 'failed';
      state.error = `no connector named ${table} (see connectors/)`;
      this.options.logger.error({ table, id }, `incremental snapshot refused: ${state.error}`);
      await this.save(state);
      return;
    }
    this.options.logger.info({ table, id }, 'incremental snapshot requested');
    await this.save(state);
    this.enqueue(state);
  }

  /** Stops between chunks (or abandons the chunk in progress: it is redone on resume). */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.windows.abandonAll(new Stopped('reader stopping'));
    this.ends.abandonAll(new Stopped('reader stopping'));
    await this.loop;
  }

  private enqueue(state: TableSnapshotState): void {
    const queued = this.queue.findIndex((other) => other.table === state.table);
    if (queued >= 0) this.queue.splice(queued, 1, state);
    else this.queue.push(state);
    this.loop ??= this.drain().finally(() => {
      this.loop = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopping.signal.aborted) {
      const state = this.queue.shift() as TableSnapshotState;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.snapshotTable(state);
          break;
        } catch (error) {
          if (error instanceof Stopped || this.stopping.signal.aborted) return;
          if (this.latest.get(state.table) !== state) break; // superseded by a newer request
          if (attempt >= maxAttempts) {
            state.status = 'failed';
            state.error = (error as Error).message;
            this.options.logger.error({ err: error, table: state.table }, 'incremental snapshot failed');
            await this.save(state).catch(() => undefined);
            break;
          }
          const delayMs = backoffDelay(attempt, { initialDelayMs: 500, maxDelayMs: 30_000 });
          this.options.logger.warn(
            { err: error, table: state.table, attempt, delayMs },
            'incremental snapshot chunk failed; retrying from the last acknowledged chunk',
          );
          await sleep(delayMs, this.stopping.signal).catch(() => undefined);
        }
      }
    }
  }

  private async snapshotTable(state: TableSnapshotState): Promise<void> {
    const { logger, metrics, tables } = this.options;
    const connector = this.options.connectors.byName(state.table);
    if (!connector) throw new Error(`no connector named ${state.table}`);
    const client = await connectTextClient(this.options.url, 'cdc-reader-incremental-snapshot', logger);
    try {
      const definition = await loadConnectorTable(client, connector);
      const captured = await tables.ensureDescribed(relationOf(definition));
      if (!captured) {
        // Paused (schema rejected): the chunks would be held too. The state stays running; the replay that
        // resumes the table resumes this snapshot.
        logger.warn({ table: state.table }, 'incremental snapshot waits: the table is paused');
        return;
      }
      // Every row gets these columns' current values (chunks read them, the stream covers what changes).
      await this.options.coverage?.cover(state.table, captured.relation);
      const source = `${quoteIdentifier(definition.schema)}.${quoteIdentifier(definition.table)}`;
      if (state.total === null) {
        const counted = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${source}`);
        state.total = Number(counted.rows[0]?.n ?? 0);
      }
      const chunkRows = this.options.chunkRows ?? defaultChunkRows;
      const select = chunkQuery(definition, captured.columnNames, source, chunkRows);
      let lastSaved = performance.now();
      metrics.snapshotProgress.set({ table: state.table }, snapshotProgressRatio(state));
      for (;;) {
        if (this.stopping.signal.aborted) throw new Stopped('reader stopping');
        const chunk = await this.copyChunk(client, state, definition, select);
        state.chunks++;
        state.rows += chunk.emitted;
        if (chunk.lastKey) state.lastKey = chunk.lastKey;
        metrics.snapshotRows.inc({ table: state.table }, chunk.emitted);
        metrics.snapshotProgress.set({ table: state.table }, snapshotProgressRatio(state));
        if (chunk.selected < chunkRows) break;
        if (performance.now() - lastSaved >= stateWriteIntervalMs) {
          lastSaved = performance.now();
          await this.save(state);
          logger.info(
            { table: state.table, rows: state.rows, total: state.total },
            `incremental snapshot ${Math.round(snapshotProgressRatio(state) * 100)}%`,
          );
        }
      }
      await this.endSnapshot(client, state, relationOf(definition));
      state.status = 'done';
      await this.save(state);
      metrics.snapshotProgress.set({ table: state.table }, 1);
      logger.info({ table: state.table, id: state.id, rows: state.rows }, 'incremental snapshot done');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The table's snapshot-end events, through the stream; returns once Kafka acknowledged them. */
  private async endSnapshot(client: pg.Client, state: TableSnapshotState, table: TableRef): Promise<void> {
    if (!state.reconcileBelow) {
      // Started by a reader that did not record it: without it, deletes cannot be told apart; say so.
      this.options.logger.warn(
        { table: state.table },
        'this snapshot started before snapshot ends existed: rows deleted at the source while nobody streamed ' +
          'them stay live in raw (request a new snapshot to reconcile them)',
      );
      return;
    }
    const id = `${state.id}/end/${this.instance}`;
    const reached = this.ends.expect(id, table, parseLsn(state.reconcileBelow));
    reached.catch(() => undefined);
    try {
      await client.query('SELECT pg_logical_emit_message(true, $1, $2)', [snapshotEndPrefix, id]);
      const acked = await Promise.race([reached, this.stopped]);
      await Promise.race([acked, this.stopped]);
    } catch (error) {
      this.ends.abandon(id, error as Error);
      throw error;
    }
  }

  /** The next chunk in key order, between watermarks (fenced-chunk.ts). */
  private async copyChunk(
    client: pg.Client,
    state: TableSnapshotState,
    { schema, table, relationOid, keyColumns }: TableRef & { keyColumns: readonly string[] },
    select: { first: string; next: string },
  ): Promise<{ selected: number; emitted: number; lastKey: string[] | undefined }> {
    const { selected, emitted } = await readFencedChunk(client, this.windows, this.stopped, {
      id: `${state.id}/${state.chunks}/${this.instance}`,
      table: { schema, table, relationOid },
      keyColumns,
      select: () =>
        state.lastKey
          ? client.query<Record<string, string | null>>(select.next, state.lastKey)
          : client.query<Record<string, string | null>>(select.first),
      // Below every position this snapshot writes: its snapshot end reconciles what is older (snapshot-end.ts).
      onLowWatermark: (lsn) => {
        state.reconcileBelow ??= formatLsn(parseLsn(lsn));
      },
      onStale: () => this.options.metrics.snapshotStaleChunks.inc({ table: state.table }),
    });
    const last = selected.at(-1);
    return {
      selected: selected.length,
      emitted,
      lastKey: last ? keyColumns.map((column) => last[column] as string) : undefined,
    };
  }

  private async save(state: TableSnapshotState): Promise<void> {
    state.updatedAt = new Date().toISOString();
    this.latest.set(state.table, state);
    await this.options.store.writeTableSnapshot(state);
  }
}

/** Chunks in key order through the key index: the first one, and the next one after the last key copied. */
function chunkQuery(
  definition: { columns: readonly { name: string; formattedType: string }[]; keyColumns: readonly string[] },
  columnNames: readonly string[],
  source: string,
  chunkRows: number,
): { first: string; next: string } {
  const columns = columnNames.map(quoteIdentifier).join(', ');
  const keys = definition.keyColumns.map(quoteIdentifier).join(', ');
  const types = definition.keyColumns.map(
    (name) => definition.columns.find((column) => column.name === name)?.formattedType ?? 'text',
  );
  const after = types.map((type, index) => `$${index + 1}::${type}`).join(', ');
  const order = `ORDER BY ${keys} LIMIT ${chunkRows}`;
  return {
    first: `SELECT ${columns} FROM ${source} ${order}`,
    next: `SELECT ${columns} FROM ${source} WHERE (${keys}) > (${after}) ${order}`,
  };
}
