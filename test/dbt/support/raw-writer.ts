/**
 * Writes analytics_raw rows the way the raw sink leaves them (metadata columns, soft deletes, `_ingested_at`
 * set on every change), without Kafka: the dbt tests are about the marts, and a hand-made stream is both
 * faster and easier to reason about than a replicated one.
 */
import type pg from 'pg';
import { quoteIdentifier } from '../../../lib/postgres/identifiers.ts';

export type RawRow = Record<string, string | number | boolean | null>;

export class RawWriter {
  /** Source position of the next change: every change is newer than the one before, as from the WAL. */
  private position = 0x1000;

  constructor(private readonly pool: pg.Pool) {}

  async insert(table: string, rows: readonly RawRow[]): Promise<void> {
    for (const row of rows) {
      const columns = Object.keys(row);
      const values = columns.map((column) => row[column]);
      const meta = this.nextPosition();
      // The commit of an insert is its row's creation, as in the core.
      const committedAt = typeof row.created_at === 'string' ? row.created_at : new Date().toISOString();
      const names = [
        ...columns.map(quoteIdentifier),
        '_source_commit_lsn',
        '_source_lsn',
        '_source_committed_at',
        '_op',
        '_kafka_partition',
        '_kafka_offset',
      ];
      const parameters = [...values, meta.lsn, meta.lsn, committedAt, 'c', 0, meta.offset];
      await this.pool.query(
        `INSERT INTO analytics_raw.${quoteIdentifier(table)} (${names.join(', ')})
         VALUES (${parameters.map((_, index) => `$${index + 1}`).join(', ')})`,
        parameters,
      );
    }
  }

  /** An UPDATE at the source: the new values, a newer position, ingested now. */
  async update(table: string, key: RawRow, changes: RawRow): Promise<void> {
    const assignments = Object.keys(changes).map(
      (column, index) => `${quoteIdentifier(column)} = $${index + 1}`,
    );
    await this.change(table, key, "_op = 'u'", assignments, Object.values(changes));
  }

  /** A DELETE at the source: the sink keeps the row, soft-deleted. */
  async softDelete(table: string, key: RawRow): Promise<void> {
    await this.change(table, key, "_op = 'd', _deleted = true, _deleted_at = now()", [], []);
  }

  private async change(
    table: string,
    key: RawRow,
    operation: string,
    assignments: string[],
    values: RawRow[string][],
  ): Promise<void> {
    const meta = this.nextPosition();
    const parameters = [...values, meta.lsn, meta.offset, ...Object.values(key)];
    const positionAt = values.length;
    const keyAt = positionAt + 2;
    const where = Object.keys(key).map(
      (column, index) => `${quoteIdentifier(column)} = $${keyAt + index + 1}`,
    );
    const result = await this.pool.query(
      `UPDATE analytics_raw.${quoteIdentifier(table)}
          SET ${[...assignments, operation].join(', ')},
              _source_commit_lsn = $${positionAt + 1}, _source_lsn = $${positionAt + 1},
              _source_committed_at = now(), _kafka_offset = $${positionAt + 2}, _ingested_at = now()
        WHERE ${where.join(' AND ')}`,
      parameters,
    );
    if (result.rowCount !== 1) throw new Error(`no raw ${table} row for ${JSON.stringify(key)}`);
  }

  private nextPosition(): { lsn: string; offset: number } {
    this.position += 1;
    return { lsn: `0/${this.position.toString(16).toUpperCase()}`, offset: this.position };
  }
}
