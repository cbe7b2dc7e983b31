/**
 * Keeps a raw table in step with the writer schemas it receives (ARCHITECTURE.md, schema evolution):
 * - a column the schema has and the raw table lacks is added (`ADD COLUMN IF NOT EXISTS`: replicas racing on
 *   the same change are harmless), with the type the reader chose for it (`cdc.sqlType`), once that parses as a
 *   type name (lib/postgres/sql-type.ts) and printed from the parse; additive only;
 * - a column the raw table has and the schema lacks (dropped at the source) stays, filled with NULL from then on;
 * - a column whose writer type the raw column takes without loss (widening.ts: the same type, a narrower one
 *   such as an older schema's `integer` into a raw `bigint`, anything into `text`) applies as it is;
 * - any other writer type is a real loss: the table pauses with a reason naming each column and the migration
 *   that widens it to a type both fit (widening-migration.ts), which resumes the table once applied.
 * A writer type that does not parse is taken only by a `text` raw column. A connector with a transform decides
 * its own columns, so the schema says nothing about the raw table; its results are validated per message.
 * Reasons go to logs, `cdc.table_state` and Slack: they name columns and types, never values.
 */
import type pg from 'pg';
import { PipelineError } from '../../../lib/errors/index.ts';
import { builtinSqlType, formatSqlType, parseSqlType, quoteIdentifier } from '../../../lib/postgres/index.ts';
import type { RawColumn } from '../../../lib/raw/raw-table.ts';
import type { RawTableShape } from '../apply/merge-sql.ts';
import type { SchemaColumn } from '../decode/change-decoder.ts';
import { commonType, widens } from './widening.ts';
import { type ColumnWidening, wideningMigration } from './widening-migration.ts';

export type Reconciliation =
  | { kind: 'compatible'; add: RawColumn[] }
  | { kind: 'incompatible'; reason: string };

const text = builtinSqlType('text');

/** How a writer type that is not a type name is named in a reason: not itself (it came from the registry). */
const unparsed = (sqlType: string) => `a cdc.sqlType that is not a type name (${sqlType.length} characters)`;

/** One existing column: undefined when it takes the writer type, else the problem and the widening it needs. */
function checkColumn(
  table: string,
  column: string,
  writerType: string,
  rawType: string,
): { problem: string; widening: ColumnWidening } | undefined {
  if (writerType === rawType) return undefined;
  const raw = parseSqlType(rawType);
  const writer = parseSqlType(writerType);
  if (raw && writer && widens(writer, raw)) return undefined;
  if (!writer && raw && formatSqlType(raw) === 'text') return undefined; // text takes any type's text form
  const to = raw && writer ? commonType(raw, writer) : text;
  const rawName = raw ? formatSqlType(raw) : `a type this sink does not know (${rawType.length} characters)`;
  const writerName = writer ? formatSqlType(writer) : unparsed(writerType);
  return {
    problem: `column ${quoteIdentifier(column)}: ${writerName} in the writer schema does not fit ${rawName} in analytics_raw.${quoteIdentifier(table)} without loss`,
    widening: { column, from: raw, to },
  };
}

export function reconcile(shape: RawTableShape, columns: readonly SchemaColumn[]): Reconciliation {
  const existing = new Map(shape.columns.map((column) => [column.name, column.sqlType]));
  const add: RawColumn[] = [];
  const problems: string[] = [];
  const widenings: ColumnWidening[] = [];
  for (const { column, sqlType } of columns) {
    const rawType = existing.get(column);
    if (rawType === undefined) {
      const parsed = parseSqlType(sqlType);
      if (sqlType === undefined) {
        problems.push(
          `new column ${quoteIdentifier(column)} has no cdc.sqlType in its schema (a schema from an older reader; upgrade the reader, or add the column with a migration)`,
        );
      } else if (!parsed) {
        problems.push(
          `new column ${quoteIdentifier(column)} has ${unparsed(sqlType)}: add it with a migration`,
        );
      } else add.push({ name: column, sqlType: formatSqlType(parsed) });
      continue;
    }
    if (sqlType === undefined) continue; // a schema from an older reader: nothing to compare
    const checked = checkColumn(shape.table, column, sqlType, rawType);
    if (checked) {
      problems.push(checked.problem);
      widenings.push(checked.widening);
    }
  }
  if (problems.length === 0) return { kind: 'compatible', add };
  const migration =
    widenings.length > 0
      ? `. Widen the raw table to types both fit with a migration (npm run db:migrate); the table resumes by itself. Migration: ${wideningMigration(shape.table, widenings)}`
      : '; the table resumes by itself once the raw table has the columns';
  return { kind: 'incompatible', reason: `${problems.join('; ')}${migration}` };
}

export async function addColumns(
  client: pg.Pool | pg.ClientBase,
  table: string,
  columns: readonly RawColumn[],
): Promise<void> {
  if (columns.length === 0) return;
  const additions = columns.map((column) => {
    const type = parseSqlType(column.sqlType);
    if (!type)
      throw new PipelineError(
        'SCHEMA_INCOMPATIBLE',
        `column ${quoteIdentifier(column.name)}: not a type name`,
      );
    return `ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column.name)} ${formatSqlType(type)}`;
  });
  await client.query(`ALTER TABLE analytics_raw.${quoteIdentifier(table)} ${additions.join(', ')}`);
}
