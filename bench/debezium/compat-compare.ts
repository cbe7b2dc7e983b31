/**
 * Row-by-row comparison of the source table with the table a sink built from it: which columns exist on each
 * side and with which type, which keys are missing or extra, and per column how many rows differ. Values are
 * compared as PostgreSQL text with TimeZone UTC on both sessions (strict), then again after normalising what a
 * type change may legitimately reformat (JSON reparsed, numbers as numbers, timestamps as instants): a column
 * that differs strictly but not after normalising changed its type, not its data.
 */
import pg from 'pg';

export interface ColumnComparison {
  column: string;
  sourceType: string;
  /** undefined: the target has no such column. */
  targetType: string | undefined;
  /** Rows present on both sides whose text differs / whose normalised value differs. */
  strictDifferences: number;
  valueDifferences: number;
  example?: { id: string; source: string | null; target: string | null };
}

export interface TableComparison {
  sourceRows: number;
  targetRows: number;
  missingIds: { count: number; sample: string[] };
  extraIds: { count: number; sample: string[] };
  columns: ColumnComparison[];
  extraTargetColumns: { column: string; type: string }[];
  equal: boolean;
}

type Row = Record<string, string | null>;

async function readTable(url: string, schema: string, table: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'`);
    const columns = (
      await client.query<{ name: string; type: string }>(
        `SELECT column_name AS name, format_type(atttypid, atttypmod) AS type
           FROM information_schema.columns c
           JOIN pg_attribute a ON a.attrelid = to_regclass($1) AND a.attname = c.column_name
          WHERE c.table_schema = $2 AND c.table_name = $3
          ORDER BY c.ordinal_position`,
        [`${schema}.${table}`, schema, table],
      )
    ).rows;
    if (columns.length === 0) return { columns, rows: new Map<string, Row>() };
    const list = columns.map((c) => `${client.escapeIdentifier(c.name)}::text`).join(', ');
    const result = await client.query<Row>(
      `SELECT ${list} FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`,
    );
    // Positional names: `x::text` is returned under the column's own name.
    return { columns, rows: new Map(result.rows.map((row) => [String(row.id), row])) };
  } finally {
    await client.end();
  }
}

function normalised(value: string | null): unknown {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^[[{]/.test(trimmed)) {
    try {
      return JSON.stringify(sortKeys(JSON.parse(trimmed)));
    } catch {
      return value;
    }
  }
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(trimmed)) {
    const micros = /\.(\d{1,6})/.exec(trimmed)?.[1]?.padEnd(6, '0') ?? '000000';
    const ms = Date.parse(trimmed.replace(' ', 'T').replace(/\+00$/, 'Z'));
    if (!Number.isNaN(ms)) return `${Math.floor(ms / 1000)}.${micros}`;
  }
  return value;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

const sample = (ids: string[]) => ids.slice(0, 10);

export async function compareTables(
  source: { url: string; schema: string; table: string },
  target: { url: string; schema: string; table: string },
): Promise<TableComparison> {
  const left = await readTable(source.url, source.schema, source.table);
  const right = await readTable(target.url, target.schema, target.table);
  const targetTypes = new Map(right.columns.map((c) => [c.name, c.type]));
  const sourceNames = new Set(left.columns.map((c) => c.name));
  const missing = [...left.rows.keys()].filter((id) => !right.rows.has(id));
  const extra = [...right.rows.keys()].filter((id) => !left.rows.has(id));
  const columns = left.columns.map((column): ColumnComparison => {
    const comparison: ColumnComparison = {
      column: column.name,
      sourceType: column.type,
      targetType: targetTypes.get(column.name),
      strictDifferences: 0,
      valueDifferences: 0,
    };
    if (comparison.targetType === undefined) return comparison;
    for (const [id, row] of left.rows) {
      const other = right.rows.get(id);
      if (!other) continue;
      const [a, b] = [row[column.name] ?? null, other[column.name] ?? null];
      if (a === b) continue;
      comparison.strictDifferences++;
      if (normalised(a) !== normalised(b)) comparison.valueDifferences++;
      comparison.example ??= { id, source: a, target: b };
    }
    return comparison;
  });
  const comparison = {
    sourceRows: left.rows.size,
    targetRows: right.rows.size,
    missingIds: { count: missing.length, sample: sample(missing) },
    extraIds: { count: extra.length, sample: sample(extra) },
    columns,
    extraTargetColumns: right.columns
      .filter((c) => !sourceNames.has(c.name))
      .map((c) => ({ column: c.name, type: c.type })),
  };
  const equal =
    missing.length === 0 &&
    extra.length === 0 &&
    columns.every((c) => c.targetType === c.sourceType && c.strictDifferences === 0);
  return { ...comparison, equal };
}
