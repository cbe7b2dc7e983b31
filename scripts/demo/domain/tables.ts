/**
 * The captured core tables as the demo tools see them: names, keys, and a batched insert.
 * Table and column names below are constants of this file, never data, so building SQL from them is safe; every
 * value travels as a bind parameter.
 */
import type { ClientBase, Pool, QueryResultRow } from 'pg';

export type Queryable = ClientBase | Pool;

/** In foreign-key order: a table only references tables listed before it. */
export const coreTables = [
  'partners',
  'missions',
  'widgets',
  'widget_missions',
  'campaigns',
  'stat_events',
] as const;

export type CoreTable = (typeof coreTables)[number];

export const primaryKeys: Record<CoreTable, readonly string[]> = {
  partners: ['id'],
  missions: ['id'],
  widgets: ['id'],
  widget_missions: ['widget_id', 'mission_id'],
  campaigns: ['id'],
  stat_events: ['id'],
};

/** Columns the seed writes explicitly (identity ids are left to the database). */
export const insertColumns = {
  partners: [
    'public_id',
    'name',
    'email',
    'website_url',
    'is_announcer',
    'is_diffuser',
    'commission_rate',
    'logo_thumbnail',
    'created_at',
  ],
  missions: [
    'publisher_id',
    'client_id',
    'title',
    'description',
    'status',
    'domain',
    'domains',
    'tags',
    'address',
    'metadata',
    'places',
    'min_age',
    'compensation',
    'is_remote',
    'start_date',
    'end_date',
    'daily_start_time',
    'weekly_commitment',
    'published_at',
    'created_at',
  ],
  widgets: [
    'public_id',
    'diffuser_id',
    'name',
    'color',
    'style',
    'mission_type',
    'location',
    'max_distance_km',
    'is_active',
    'created_at',
  ],
  widget_missions: ['widget_id', 'mission_id', 'position', 'added_at'],
  campaigns: [
    'public_id',
    'name',
    'from_publisher_id',
    'to_publisher_id',
    'kind',
    'url',
    'budget',
    'spent',
    'starts_on',
    'ends_on',
    'is_active',
    'created_at',
  ],
  stat_events: [
    'id',
    'type',
    'source',
    'source_id',
    'from_publisher_id',
    'to_publisher_id',
    'mission_id',
    'mission_client_id',
    'widget_id',
    'campaign_id',
    'click_id',
    'host',
    'referer',
    'user_agent',
    'ip',
    'user_fingerprint',
    'is_bot',
    'custom_attributes',
    'created_at',
  ],
} as const satisfies Record<CoreTable, readonly string[]>;

export type InsertRow<T extends CoreTable> = Record<(typeof insertColumns)[T][number], unknown>;

/** PostgreSQL accepts at most 65,535 bind parameters per statement; stay well under it. */
const maxParametersPerStatement = 30_000;

export interface InsertOptions {
  /** A subset of the table's insert columns; the others take their database default. */
  columns?: readonly string[];
  /** Columns to return for every inserted row (default: the primary key). */
  returning?: readonly string[];
  /** A constant `ON CONFLICT ...` clause of this module's callers, never built from data. */
  onConflict?: string;
}

/**
 * Inserts rows with multi-row VALUES statements (one round trip per batch, not per row) and returns the
 * `returning` columns of every inserted row.
 */
export async function insertRows<T extends CoreTable>(
  client: Queryable,
  table: T,
  rows: readonly Partial<InsertRow<T>>[],
  options: InsertOptions = {},
): Promise<QueryResultRow[]> {
  const known: readonly string[] = insertColumns[table];
  const columns = options.columns ?? known;
  const unknown = columns.filter((column) => !known.includes(column));
  if (unknown.length > 0) throw new Error(`not insert columns of ${table}: ${unknown.join(', ')}`);
  const returning = options.returning ?? primaryKeys[table];
  const batchSize = Math.max(1, Math.floor(maxParametersPerStatement / columns.length));
  const inserted: QueryResultRow[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const values: unknown[] = [];
    const tuples = batch.map((row) => {
      const placeholders = columns.map((column) => {
        values.push((row as Record<string, unknown>)[column] ?? null);
        return `$${values.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const conflict = options.onConflict ? ` ${options.onConflict}` : '';
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}${conflict} RETURNING ${returning.join(', ')}`;
    const result = await client.query(sql, values);
    inserted.push(...result.rows);
  }
  return inserted;
}
