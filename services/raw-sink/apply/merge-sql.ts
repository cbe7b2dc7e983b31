/**
 * The statements that apply a coalesced batch to one raw table, built once per table shape:
 * - rows: one MERGE from `unnest` of text arrays (one array per column, one round trip per batch). A version
 *   applies only when its source position `(_source_commit_lsn, _source_lsn)` is not older than the stored one,
 *   so replays, rewinds and duplicates converge. An unchanged TOAST column keeps the stored value. A soft delete
 *   keeps the data and sets `_deleted`; a delete of a key never seen leaves a deleted row, so an older insert
 *   replayed later cannot bring the row back. Hard delete removes the row, and the deletion ledger
 *   (`cdc.deleted_rows`, deleted-rows-sql.ts) remembers its position instead: a version older than the delete
 *   is not inserted again.
 * - truncate: every row older than the truncate is marked deleted (and takes the truncate's position).
 * Snapshot ends are in snapshot-end-sql.ts.
 */
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import type { RawColumn } from '../../../lib/raw/raw-table.ts';

export interface RawTableShape {
  table: string;
  columns: readonly RawColumn[];
  conflictColumns: readonly string[];
  deletes: 'soft' | 'hard';
  /**
   * Unique constraints (and unique indexes) on exactly the conflict columns: a unique violation on one of them
   * is two sinks inserting the same key at once (a topic whose partition count was raised), not a bad row.
   */
  keyConstraints?: readonly string[];
}

/** Per-row metadata arrays after the column arrays, in this order. */
export const metadataParameters = [
  'commit_lsn',
  'lsn',
  'committed_at',
  'op',
  'partition',
  'offset',
  'unchanged',
];

export const rawTarget = (shape: RawTableShape) => `analytics_raw.${quoteIdentifier(shape.table)}`;

/**
 * The row's identity in the bookkeeping tables: its conflict columns in PostgreSQL's text form, as a jsonb
 * array. Computed in SQL from typed values (the apply transaction fixes the session settings that text forms
 * depend on), so the same key always gives the same jsonb, whichever statement computes it.
 */
export function rowKeyExpression(shape: RawTableShape, alias: string): string {
  const parts = shape.conflictColumns.map((name) => `${alias}.${quoteIdentifier(name)}::text`);
  return `jsonb_build_array(${parts.join(', ')})`;
}

/** `$n` of the raw table's name, after the column and metadata arrays (hard-delete tables only). */
export const tableNameParameter = (shape: RawTableShape) =>
  shape.columns.length + metadataParameters.length + 1;

/** The batch as typed rows: the `unnest` of the column and metadata arrays. */
export function sourceRows(shape: RawTableShape): string {
  const names = shape.columns.map((column) => quoteIdentifier(column.name));
  const aliases = [
    ...shape.columns.map((_, index) => `c${index}`),
    ...metadataParameters.map((name) => `m_${name}`),
  ];
  const parameters = aliases.map((_, index) => `$${index + 1}::text[]`).join(', ');
  const casts = shape.columns.map((column, index) => `u.c${index}::${column.sqlType} AS ${names[index]}`);
  return [
    `SELECT ${casts.join(', ')},`,
    '  u.m_commit_lsn::pg_lsn AS _source_commit_lsn, u.m_lsn::pg_lsn AS _source_lsn,',
    '  u.m_committed_at::timestamptz AS _source_committed_at, u.m_op AS _op,',
    '  u.m_partition::integer AS _kafka_partition, u.m_offset::bigint AS _kafka_offset,',
    "  coalesce(string_to_array(u.m_unchanged, ',')::integer[], '{}') AS _unchanged",
    `FROM unnest(${parameters}) AS u(${aliases.join(', ')})`,
  ].join('\n');
}

export function mergeStatement(shape: RawTableShape): string {
  const names = shape.columns.map((column) => quoteIdentifier(column.name));
  // Hard deletes: the ledger's position of a removed key travels with each row (null: never deleted).
  const source =
    shape.deletes === 'hard'
      ? [
          'SELECT s0.*, l.source_commit_lsn AS _gone_commit_lsn, l.source_lsn AS _gone_lsn',
          `FROM (\n${sourceRows(shape)}\n) AS s0`,
          `LEFT JOIN cdc.deleted_rows l ON l.raw_table = $${tableNameParameter(shape)}::text`,
          `  AND l.row_key = ${rowKeyExpression(shape, 's0')}`,
        ].join('\n')
      : sourceRows(shape);
  const on = shape.conflictColumns.map((name) => `t.${quoteIdentifier(name)} = s.${quoteIdentifier(name)}`);
  const newer = '(s._source_commit_lsn, s._source_lsn) >= (t._source_commit_lsn, t._source_lsn)';
  const position = [
    '_source_commit_lsn = s._source_commit_lsn',
    '_source_lsn = s._source_lsn',
    '_source_committed_at = s._source_committed_at',
    '_op = s._op',
    '_kafka_partition = s._kafka_partition',
    '_kafka_offset = s._kafka_offset',
    '_ingested_at = now()',
  ];
  const assignments = shape.columns.map(
    (_, index) =>
      `${names[index]} = CASE WHEN ${index} = ANY(s._unchanged) THEN t.${names[index]} ELSE s.${names[index]} END`,
  );
  const upsert = `WHEN MATCHED AND s._op <> 'd' AND ${newer} THEN UPDATE SET\n  ${[
    ...assignments,
    ...position,
    '_deleted = false',
    '_deleted_at = NULL',
  ].join(',\n  ')}`;
  const remove =
    shape.deletes === 'hard'
      ? `WHEN MATCHED AND s._op = 'd' AND ${newer} THEN DELETE`
      : `WHEN MATCHED AND s._op = 'd' AND ${newer} THEN UPDATE SET\n  ${[
          ...position,
          '_deleted = true',
          '_deleted_at = s._source_committed_at',
        ].join(',\n  ')}`;
  const insertColumns = [
    ...names,
    '_source_commit_lsn',
    '_source_lsn',
    '_source_committed_at',
    '_op',
    '_deleted',
    '_deleted_at',
    '_kafka_partition',
    '_kafka_offset',
  ];
  const insertValues = [
    ...names.map((name) => `s.${name}`),
    's._source_commit_lsn',
    's._source_lsn',
    's._source_committed_at',
    's._op',
    "s._op = 'd'",
    "CASE WHEN s._op = 'd' THEN s._source_committed_at END",
    's._kafka_partition',
    's._kafka_offset',
  ];
  const insertWhen =
    shape.deletes === 'hard'
      ? " AND s._op <> 'd' AND (s._gone_commit_lsn IS NULL OR " +
        '(s._source_commit_lsn, s._source_lsn) >= (s._gone_commit_lsn, s._gone_lsn))'
      : '';
  const insert =
    `WHEN NOT MATCHED${insertWhen} THEN INSERT (${insertColumns.join(', ')})\n` +
    `  VALUES (${insertValues.join(', ')})`;
  return [
    `MERGE INTO ${rawTarget(shape)} AS t`,
    `USING (\n${source}\n) AS s`,
    `ON ${on.join(' AND ')}`,
    upsert,
    remove,
    insert,
  ].join('\n');
}

/** $1 commit LSN, $2 LSN, $3 commit time, $4 partition, $5 offset. */
export function truncateStatement(shape: RawTableShape): string {
  return [
    `UPDATE ${rawTarget(shape)} SET _deleted = true, _deleted_at = $3::timestamptz, _op = 't',`,
    '  _source_commit_lsn = $1::pg_lsn, _source_lsn = $2::pg_lsn, _source_committed_at = $3::timestamptz,',
    '  _kafka_partition = $4::integer, _kafka_offset = $5::bigint, _ingested_at = now()',
    'WHERE (_source_commit_lsn, _source_lsn) < ($1::pg_lsn, $2::pg_lsn)',
  ].join('\n');
}
