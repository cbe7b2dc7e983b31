/**
 * One captured topic as the sink holds it: its connector, the raw table's current shape, the decoder, whether
 * it is paused, and the writer schemas already reconciled with the raw table (schema evolution: a new column is
 * added, an incompatible change is reported so the caller pauses the table).
 */
import type pg from 'pg';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import { withPooledClient } from '../../../lib/postgres/index.ts';
import type { SchemaRegistryClient } from '../../../lib/registry/index.ts';
import type { RawTableShape } from '../apply/merge-sql.ts';
import { loadTableShape } from '../apply/table-shape.ts';
import { ChangeDecoder } from '../decode/change-decoder.ts';
import type { SinkMetrics } from '../metrics.ts';
import { addColumns, reconcile } from './evolution.ts';
import type { PausedTable } from './table-state.ts';

export interface CapturedTopicDeps {
  pool: pg.Pool;
  registry: SchemaRegistryClient;
  metrics: SinkMetrics;
  logger: Logger;
}

export class CapturedTopic {
  shape!: RawTableShape;
  /** The raw table's columns and their types (a new map whenever the shape is reloaded). */
  columnTypes: ReadonlyMap<string, string> = new Map();
  /**
   * Counts reloads that found an existing column with another type (a migration): changes decoded before it
   * were written for the old types (values/pg-text.ts), so a slice that sees it move decodes again.
   */
  typeChanges = 0;
  decoder!: ChangeDecoder;
  paused: PausedTable | undefined;
  /** Whether cdc.incomplete_rows may hold keys of this table (repair/repair-requester.ts keeps it current). */
  incompletePending = false;
  /**
   * Writer schemas reconciled (or being reconciled) with the raw table: the verdict, `undefined` = compatible.
   * A promise, so partitions applied concurrently that meet a new schema together reconcile it once.
   */
  private readonly schemas = new Map<number, Promise<string | undefined>>();

  private constructor(
    readonly topic: string,
    readonly connector: ConnectorDefinition,
    private readonly deps: CapturedTopicDeps,
  ) {}

  static async load(
    topic: string,
    connector: ConnectorDefinition,
    deps: CapturedTopicDeps,
  ): Promise<CapturedTopic> {
    const captured = new CapturedTopic(topic, connector, deps);
    await captured.reloadShape();
    captured.decoder = new ChangeDecoder(deps.registry, {
      conflictColumns: captured.shape.conflictColumns,
      rawColumns: () => captured.columnTypes,
      transform: connector.transform,
    });
    return captured;
  }

  async reloadShape(): Promise<void> {
    this.shape = await withPooledClient(this.deps.pool, (client) => loadTableShape(client, this.connector));
    const before = this.columnTypes;
    this.columnTypes = new Map(this.shape.columns.map((column) => [column.name, column.sqlType]));
    if ([...before].some(([name, type]) => this.columnTypes.get(name) !== type)) this.typeChanges++;
  }

  /**
   * A writer schema's first message: add the columns it brings, or say why the raw table cannot take it. The
   * shape is reloaded before concluding "incompatible": another replica or a migration may have fixed it.
   */
  reconcile(schemaId: number): Promise<string | undefined> {
    let verdict = this.schemas.get(schemaId);
    if (!verdict) {
      verdict = this.reconcileOnce(schemaId);
      this.schemas.set(schemaId, verdict);
      verdict.catch(() => this.schemas.delete(schemaId)); // a transient failure: try again next time
    }
    return verdict;
  }

  /** Forgets a schema's verdict, so the next `reconcile` checks the raw table again (has it been migrated?). */
  forget(schemaId: number): void {
    this.schemas.delete(schemaId);
  }

  private async reconcileOnce(schemaId: number): Promise<string | undefined> {
    if (this.connector.transform) return undefined;
    const columns = await this.decoder.columnsOf(schemaId);
    let verdict = reconcile(this.shape, columns);
    if (verdict.kind === 'incompatible' || verdict.add.length > 0) {
      await this.reloadShape();
      verdict = reconcile(this.shape, columns);
    }
    if (verdict.kind === 'compatible' && verdict.add.length > 0) {
      await addColumns(this.deps.pool, this.shape.table, verdict.add);
      await this.reloadShape();
      // Per replica: two replicas meeting the same new column at once both count it (the DDL is idempotent).
      this.deps.metrics.columnsAdded.inc({ table: this.connector.name }, verdict.add.length);
      this.deps.logger.info(
        {
          table: this.shape.table,
          schemaId,
          columns: verdict.add.map((column) => `${column.name} ${column.sqlType}`),
        },
        'column(s) added at the source: added to the raw table',
      );
    }
    return verdict.kind === 'incompatible' ? verdict.reason : undefined;
  }
}
