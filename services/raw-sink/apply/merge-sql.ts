/**
 * The statements that apply a coalesced batch to one raw table, built once per table shape:
 * - rows: one MERGE from `unnest` of text arrays (one array per column, one round trip per batch). A version
 *   applies only when its source position `(_source_commit_lsn, _source_lsn)` is not older than the stored one,
 *   so replays, rewinds and duplicates converge. An unchanged TOAST column keeps the stored value. A soft delete
 *   keeps the data and sets `_deleted`; a delete of a key never seen leaves a deleted row, so an older insert
 *   replayed later cannot bring the row back. Hard delete removes the row.
 * - truncate: every row older than the truncate is marked deleted (and takes the truncate's position).
 * - snapshot end (one per partition): the rows of that partition still older than the snapshot are absent from
 *   it, so gone from the source (deleted while no slot streamed them, or before a re-snapshot): they are
 *   deleted the connector's way and take the snapshot's position, so an older replayed version cannot revive
 *   them. Rows of other partitions wait for their own partition's snapshot end, which follows their rows.
 */
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import type { RawColumn } from '../../../lib/raw/raw-table.ts';

export interface RawTableShape {
  table: string;
  columns: readonly RawColumn[];
  conflictColumns: readonly string[];
  deletes: 'soft' | 'hard';
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

export function mergeStatement(shape: RawTableShape): string {
  const target = `analytics_raw.${quoteIdentifier(shape.table)}`;
  const names = shape.columns.map((column) => quoteIdentifier(column.name));
  const aliases = [
    ...shape.columns.map((_, index) => `c${index}`),
    ...metadataParameters.map((name) => `m_${name}`),
  ];
  const parameters = aliases.map((_, index) => `$${index + 1}::text[]`).join(', ');
  const casts = shape.columns.map((column, index) => `u.c${index}::${column.sqlType} AS ${names[index]}`);
  const source = [
    `SELECT ${casts.join(', ')},`,
    '  u.m_commit_lsn::pg_lsn AS _source_commit_lsn, u.m_lsn::pg_lsn AS _source_lsn,',
    '  u.m_committed_at::timestamptz AS _source_committed_at, u.m_op AS _op,',
    '  u.m_partition::integer AS _kafka_partition, u.m_offset::bigint AS _kafka_offset,',
    "  coalesce(string_to_array(u.m_unchanged, ',')::integer[], '{}') AS _unchanged",
    `FROM unnest(${parameters}) AS u(${aliases.join(', ')})`,
  ].join('\n');
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
  const insert =
    `WHEN NOT MATCHED${shape.deletes === 'hard' ? " AND s._op <> 'd'" : ''} THEN INSERT (${insertColumns.join(', ')})\n` +
    `  VALUES (${insertValues.join(', ')})`;
  return [
    `MERGE INTO ${target} AS t`,
    `USING (\n${source}\n) AS s`,
    `ON ${on.join(' AND ')}`,
    upsert,
    remove,
    insert,
  ].join('\n');
}

/** $1 commit LSN, $2 LSN, $3 commit time, $4 partition, $5 offset. */
export function truncateStatement(shape: RawTableShape): string {
  const target = `analytics_raw.${quoteIdentifier(shape.table)}`;
  return [
    `UPDATE ${target} SET _deleted = true, _deleted_at = $3::timestamptz, _op = 't',`,
    '  _source_commit_lsn = $1::pg_lsn, _source_lsn = $2::pg_lsn, _source_committed_at = $3::timestamptz,',
    '  _kafka_partition = $4::integer, _kafka_offset = $5::bigint, _ingested_at = now()',
    'WHERE (_source_commit_lsn, _source_lsn) < ($1::pg_lsn, $2::pg_lsn)',
  ].join('\n');
}

/**
 * $1 commit LSN, $2 LSN, $3 partition, then for soft deletes only (PostgreSQL refuses parameters a statement
 * does not use) $4 commit time, $5 offset. Its row count is the rows it deleted.
 */
export function snapshotEndStatement(shape: RawTableShape): { sql: string; parameters: 3 | 5 } {
  const target = `analytics_raw.${quoteIdentifier(shape.table)}`;
  const older =
    '_kafka_partition = $3::integer AND (_source_commit_lsn, _source_lsn) < ($1::pg_lsn, $2::pg_lsn)';
  if (shape.deletes === 'hard') return { sql: `DELETE FROM ${target} WHERE ${older}`, parameters: 3 };
  const sql = [
    `UPDATE ${target} SET _deleted = true, _deleted_at = $4::timestamptz, _op = 'd',`,
    '  _source_commit_lsn = $1::pg_lsn, _source_lsn = $2::pg_lsn, _source_committed_at = $4::timestamptz,',
    '  _kafka_offset = $5::bigint, _ingested_at = now()',
    `WHERE NOT _deleted AND ${older}`,
  ].join('\n');
  return { sql, parameters: 5 };
}
