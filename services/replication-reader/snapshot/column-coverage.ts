/**
 * Values PostgreSQL writes without the WAL, noticed and copied. No change event carries them:
 * - `ADD COLUMN ... DEFAULT x` fills every existing row: a constant from the catalog (`atthasmissing`), a
 *   volatile default by rewriting the table;
 * - `ALTER COLUMN ... TYPE ... [USING ...]` rewrites every row (rounded, converted, or computed by USING);
 * - `RENAME COLUMN`: raw gets a column of the new name, which only later versions would fill;
 * - a column published again (a connector's exclusion lifted): its existing values were never sent.
 * Raw would show NULL (or the old value) for every other row until someone ran `cdc snapshot`.
 *
 * So the reader remembers, per table, the columns its last copy read for every row (the initial copy, an
 * incremental snapshot), in its state topic: they survive restarts, and a reader that was down during the
 * ALTER still notices it. When the stream describes a table with a column the copy did not cover (by name and
 * type), the catalog says whether existing rows may hold values for it; if so, an incremental snapshot of the
 * table is requested (durably, before the stream goes on, so nothing past the relation message is confirmed
 * without it). A column added without a default (every existing row NULL) needs nothing.
 *
 * Not seen: an `ALTER COLUMN ... TYPE` to the same type with USING (the description does not change), and a
 * change to a table the stream never describes again (no change to it afterwards: raw does not even get the
 * column until then). `cdc snapshot <table>` covers both.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../../lib/logging/index.ts';
import {
  type CoveredColumn,
  parseTableColumnsState,
  type TableColumnsState,
} from '../../../lib/source/reader-state.ts';
import type { ReaderStateStore } from '../../../lib/source/reader-state-store.ts';
import { type ColumnFillRow, listColumnFills, type Queryable } from '../catalog/index.ts';
import type { Relation } from '../replication/index.ts';

export type RewriteReason = 'filled-by-default' | 'type-changed' | 'renamed' | 'published-again';

export interface RewrittenColumn {
  column: string;
  reason: RewriteReason;
}

/**
 * The relation's columns whose existing values the last copy (`covered`) cannot have, with why. Pure.
 * A column the catalog no longer has (the stream is behind a DROP) is left to the relation that follows.
 */
export function columnsRewritten(
  covered: readonly CoveredColumn[],
  relation: Pick<Relation, 'columns'>,
  catalog: readonly ColumnFillRow[],
): RewrittenColumn[] {
  const byName = new Map(covered.map((column) => [column.name, column]));
  const coveredAttnums = new Set(covered.map((column) => column.attnum));
  const newestCovered = Math.max(0, ...coveredAttnums);
  const attributes = new Map(catalog.map((attribute) => [attribute.name, attribute]));
  const rewritten: RewrittenColumn[] = [];
  for (const column of relation.columns) {
    const copied = byName.get(column.name);
    if (copied) {
      if (copied.typeOid !== column.typeOid || copied.typeModifier !== column.typeModifier) {
        rewritten.push({ column: column.name, reason: 'type-changed' });
      }
      continue;
    }
    const attribute = attributes.get(column.name);
    if (!attribute) continue;
    if (coveredAttnums.has(attribute.attnum)) {
      rewritten.push({ column: column.name, reason: 'renamed' });
    } else if (attribute.attnum <= newestCovered) {
      // Older than the newest column the copy read, yet not read: it was not published then.
      rewritten.push({ column: column.name, reason: 'published-again' });
    } else if (attribute.filled) {
      rewritten.push({ column: column.name, reason: 'filled-by-default' });
    }
  }
  return rewritten;
}

export interface ColumnCoverageOptions {
  store: ReaderStateStore;
  /** The reader's catalog connection. */
  catalog: Queryable;
  /** Requests an incremental snapshot of a table (a request id seen before is ignored). */
  requestSnapshot: (table: string, id: string) => Promise<void>;
  logger: Logger;
}

export class ColumnCoverage {
  private readonly covered = new Map<string, TableColumnsState>();

  constructor(private readonly options: ColumnCoverageOptions) {}

  /** Takes the stored coverage (the state topic's `<slot>/columns/<table>` values). */
  load(values: Iterable<unknown>): void {
    for (const value of values) {
      const state = parseTableColumnsState(value);
      if (state) this.covered.set(state.table, state);
    }
  }

  /** Records that a copy reads `relation`'s columns for every row of `table` (before the copy's end). */
  async cover(table: string, relation: Relation): Promise<void> {
    const attributes = await listColumnFills(this.options.catalog, relation.relationOid);
    const attnums = new Map(attributes.map((attribute) => [attribute.name, attribute.attnum]));
    const state: TableColumnsState = {
      table,
      // A column the catalog no longer has (a copy behind a DROP) keeps no position.
      columns: relation.columns.map((column) => ({
        name: column.name,
        typeOid: column.typeOid,
        typeModifier: column.typeModifier,
        attnum: attnums.get(column.name) ?? 0,
      })),
      updatedAt: new Date().toISOString(),
    };
    await this.options.store.writeTableColumns(state);
    this.covered.set(table, state);
  }

  /** The stream described `table` with `relation`: requests a snapshot when existing rows changed (header). */
  async onDescribed(table: string, relation: Relation): Promise<void> {
    const covered = this.covered.get(table);
    if (!covered) {
      // Copied before coverage was recorded (an older reader): what it read is unknown; start from here.
      await this.cover(table, relation);
      return;
    }
    const known = new Map(covered.columns.map((column) => [column.name, column]));
    const unchanged = relation.columns.every((column) => {
      const copied = known.get(column.name);
      return copied?.typeOid === column.typeOid && copied.typeModifier === column.typeModifier;
    });
    if (unchanged) return;
    const attributes = await listColumnFills(this.options.catalog, relation.relationOid);
    const rewritten = columnsRewritten(covered.columns, relation, attributes);
    if (rewritten.length > 0) {
      // The same id after a crash before the coverage below is written: the request is not made twice.
      const id = `columns-${createHash('sha256')
        .update(JSON.stringify([covered.updatedAt, rewritten]))
        .digest('hex')
        .slice(0, 16)}`;
      this.options.logger.info(
        { table, id, columns: rewritten },
        'existing rows hold values no change event carried (a default, a type change, a rename): copying ' +
          'the table again with an incremental snapshot',
      );
      await this.options.requestSnapshot(table, id);
    }
    await this.cover(table, relation);
  }
}
