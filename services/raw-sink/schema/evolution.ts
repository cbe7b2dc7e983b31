/**
 * Keeps a raw table in step with the writer schemas it receives (ARCHITECTURE.md, schema evolution):
 * - a column the schema has and the raw table lacks is added (`ADD COLUMN IF NOT EXISTS`: replicas racing on
 *   the same change are harmless), with the type the reader chose for it (`cdc.sqlType`); additive only;
 * - a column the raw table has and the schema lacks (dropped at the source) stays, filled with NULL from then on;
 * - a column whose source type changed to one the raw column does not have is incompatible: the table pauses
 *   with a message saying which migration to write. A `text` raw column takes any type's text form.
 * A connector with a transform decides its own columns, so the schema says nothing about the raw table; its
 * results are validated per message instead.
 */
import type pg from 'pg';
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import type { RawColumn } from '../../../lib/raw/raw-table.ts';
import type { RawTableShape } from '../apply/merge-sql.ts';
import type { SchemaColumn } from '../decode/change-decoder.ts';

export type Reconciliation =
  | { kind: 'compatible'; add: RawColumn[] }
  | { kind: 'incompatible'; reason: string };

export function reconcile(shape: RawTableShape, columns: readonly SchemaColumn[]): Reconciliation {
  const existing = new Map(shape.columns.map((column) => [column.name, column.sqlType]));
  const add: RawColumn[] = [];
  const problems: string[] = [];
  for (const { column, sqlType } of columns) {
    const rawType = existing.get(column);
    if (rawType === undefined) {
      if (sqlType === undefined) {
        problems.push(
          `new column ${column} has no cdc.sqlType in its schema (a schema from an older reader; upgrade the reader, or add the column with a migration)`,
        );
      } else add.push({ name: column, sqlType });
      continue;
    }
    if (sqlType !== undefined && sqlType !== rawType && rawType !== 'text') {
      problems.push(
        `column ${column} is now ${sqlType} at the source but ${rawType} in analytics_raw.${shape.table}: write a migration (ALTER TABLE analytics_raw.${shape.table} ALTER COLUMN ${column} TYPE ${sqlType} USING ${column}::${sqlType}) and apply it with npm run db:migrate; the table resumes by itself`,
      );
    }
  }
  return problems.length > 0
    ? { kind: 'incompatible', reason: problems.join('; ') }
    : { kind: 'compatible', add };
}

export async function addColumns(
  client: pg.Pool | pg.ClientBase,
  table: string,
  columns: readonly RawColumn[],
): Promise<void> {
  if (columns.length === 0) return;
  const additions = columns.map(
    (column) => `ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column.name)} ${column.sqlType}`,
  );
  await client.query(`ALTER TABLE analytics_raw.${quoteIdentifier(table)} ${additions.join(', ')}`);
}
