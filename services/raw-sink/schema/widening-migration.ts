/**
 * The migration a pause reason suggests: widen each raw column to the smallest type both it and the writer type
 * fit (widening.ts `commonType`), never narrower, with a conversion that means the same in any session:
 * - timestamp → timestamptz takes the stored wall-clock times as UTC (`AT TIME ZONE 'UTC'`), date →
 *   timestamptz as midnight UTC, as the sink writes such values (values/pg-text.ts);
 * - a conversion through a text form that depends on session settings (a timestamp, a float, an interval, a
 *   bytea, a user type to text) runs after `SET LOCAL`s that pin them: what the migration writes is then what
 *   the sink writes for the same values from then on. (A few casts spell the text differently from the output
 *   the sink writes: boolean `true` for `t`, character(n) without its padding, inet with its `/32`: the same
 *   values, another spelling.)
 * Everything printed into it is an identifier quoted here or a type printed by `formatSqlType` from a parsed
 * type, never a string as the registry or the catalog gave it. dbmate runs a migration in a transaction, which
 * `SET LOCAL` needs.
 */
import {
  type BuiltinTypeName,
  formatSqlType,
  quoteIdentifier,
  type SqlType,
} from '../../../lib/postgres/index.ts';

export interface ColumnWidening {
  column: string;
  /** The raw column's type now; undefined when it is not a type name this sink knows (converted via text). */
  from: SqlType | undefined;
  to: SqlType;
}

/** The session settings that decide text forms, pinned to those the sink and the reader use. */
export const pinnedTextSettings =
  "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'; SET LOCAL IntervalStyle = 'postgres'; " +
  "SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex';";

/** Types whose text form no session setting changes. */
const settingFreeText: ReadonlySet<BuiltinTypeName> = new Set<BuiltinTypeName>([
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'boolean',
  'text',
  'character varying',
  'character',
  'bpchar',
  '"char"',
  'name',
  'uuid',
  'json',
  'jsonb',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'oid',
  'pg_lsn',
]);

const textTypes: ReadonlySet<BuiltinTypeName> = new Set<BuiltinTypeName>([
  'text',
  'character varying',
  'character',
  'bpchar',
]);

const nameOf = (type: SqlType | undefined) => (type?.base.kind === 'builtin' ? type.base.name : undefined);

/** The conversion goes through a text form some session setting changes. */
function dependsOnSettings({ from, to }: ColumnWidening): boolean {
  const target = nameOf(to);
  if (target === undefined || !textTypes.has(target)) return false;
  const source = nameOf(from);
  return source === undefined || !settingFreeText.has(source);
}

function usingExpression({ column, from, to }: ColumnWidening): string {
  const name = quoteIdentifier(column);
  const type = formatSqlType(to);
  const scalar = to.dimensions === 0 && from?.dimensions === 0;
  if (scalar && nameOf(to) === 'timestamp with time zone') {
    if (nameOf(from) === 'timestamp without time zone') return `(${name} AT TIME ZONE 'UTC')::${type}`;
    if (nameOf(from) === 'date') return `(${name}::timestamp without time zone AT TIME ZONE 'UTC')::${type}`;
  }
  return `${name}::${type}`;
}

/** The migration (without a final semicolon) that widens the raw table's columns as listed. */
export function wideningMigration(table: string, widenings: readonly ColumnWidening[]): string {
  const alterations = widenings.map(
    (widening) =>
      `ALTER COLUMN ${quoteIdentifier(widening.column)} TYPE ${formatSqlType(widening.to)} USING ${usingExpression(widening)}`,
  );
  const alter = `ALTER TABLE analytics_raw.${quoteIdentifier(table)} ${alterations.join(', ')}`;
  return widenings.some(dependsOnSettings) ? `${pinnedTextSettings} ${alter}` : alter;
}
