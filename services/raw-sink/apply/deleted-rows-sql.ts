/**
 * The deletion ledger of hard-delete connectors (`cdc.deleted_rows`): a hard delete removes the raw row, and
 * with it the position that kept older versions out (the MERGE applies a version only when it is not older than
 * the stored row). So every hard delete records its key and position here, the MERGE does not insert a version
 * older than the recorded delete (merge-sql.ts), and a newer version that lands again (the key was re-created)
 * drops the entry: the raw row guards the key from then on. The ledger thus holds exactly the keys that are
 * gone from raw, like the `_deleted` rows of a soft-delete table, but without their data.
 */
import {
  type RawTableShape,
  rawTarget,
  rowKeyExpression,
  sourceRows,
  tableNameParameter,
} from './merge-sql.ts';

const record = (rowKey: string, commitLsn: string, lsn: string, deletedAt: string, table: string) =>
  [
    'INSERT INTO cdc.deleted_rows AS l (raw_table, row_key, source_commit_lsn, source_lsn, deleted_at)',
    `SELECT ${table}, ${rowKey}, ${commitLsn}, ${lsn}, ${deletedAt}`,
  ].join('\n');

const keepNewest = [
  'ON CONFLICT (raw_table, row_key) DO UPDATE SET source_commit_lsn = EXCLUDED.source_commit_lsn,',
  '  source_lsn = EXCLUDED.source_lsn, deleted_at = EXCLUDED.deleted_at, recorded_at = now()',
  'WHERE (EXCLUDED.source_commit_lsn, EXCLUDED.source_lsn) > (l.source_commit_lsn, l.source_lsn)',
].join('\n');

/**
 * After the batch's MERGE, with the same parameters: records its deletes, and forgets the keys a newer
 * version re-created. Undefined for soft-delete tables (their `_deleted` rows keep the position).
 */
export function deletedRowsStatement(shape: RawTableShape): string | undefined {
  if (shape.deletes !== 'hard') return undefined;
  const table = `$${tableNameParameter(shape)}::text`;
  const key = rowKeyExpression(shape, 's');
  return [
    `WITH s AS (\n${sourceRows(shape)}\n), recorded AS (`,
    record(key, 's._source_commit_lsn', 's._source_lsn', 's._source_committed_at', table),
    "  FROM s WHERE s._op = 'd'",
    keepNewest,
    ')',
    `DELETE FROM cdc.deleted_rows l USING s`,
    `WHERE l.raw_table = ${table} AND s._op <> 'd' AND l.row_key = ${key}`,
    '  AND (s._source_commit_lsn, s._source_lsn) >= (l.source_commit_lsn, l.source_lsn)',
    // Only what actually landed: a version older than the raw row changes nothing, so proves nothing.
    `  AND EXISTS (SELECT 1 FROM ${rawTarget(shape)} t WHERE ${rowKeyExpression(shape, 't')} = l.row_key)`,
  ].join('\n');
}

/**
 * Removes the rows a snapshot end found gone and records them in the ledger, in one statement.
 * `$1` commit LSN, `$2` LSN, `$3` commit time of the end, then the caller's WHERE over `t` (which may use more
 * parameters). Returns one row: `n`, the rows removed.
 */
export function removeAndRecordStatement(
  shape: RawTableShape,
  where: string,
  tableParameter: string,
): string {
  return [
    `WITH gone AS (`,
    `  DELETE FROM ${rawTarget(shape)} t WHERE ${where}`,
    `  RETURNING ${rowKeyExpression(shape, 't')} AS row_key`,
    '), recorded AS (',
    record('gone.row_key', '$1::pg_lsn', '$2::pg_lsn', '$3::timestamptz', tableParameter),
    '  FROM gone',
    keepNewest,
    ')',
    'SELECT count(*)::int AS n FROM gone',
  ].join('\n');
}
