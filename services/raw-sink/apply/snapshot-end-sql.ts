/**
 * A snapshot end (one per partition, after the snapshot's rows): the rows of that partition still older than
 * the snapshot were not in it, so they are gone from the source (deleted while no slot streamed them, or before
 * a re-snapshot). They are deleted the connector's way and take the snapshot's position, so an older replayed
 * version cannot revive them (hard deletes: through the ledger, deleted-rows-sql.ts). Rows of other partitions
 * wait for their own partition's snapshot end, which follows their rows.
 *
 * Except the keys whose version did not land (`cdc.unlanded_rows`, unlanded-rows-sql.ts): a snapshot read (or a
 * newer change) that went to the dead-letter topic, or that the transform skipped while raw held the row, left
 * the older raw row in place although the source has the row. Those keys are spared. A dead letter that could
 * not be tied to a key (its key did not decode) could be any row: the end of that partition is not applied at
 * all, and says so (the next snapshot, after the dead letters are dealt with, reconciles).
 */
import { removeAndRecordStatement } from './deleted-rows-sql.ts';
import { type RawTableShape, rawTarget, rowKeyExpression } from './merge-sql.ts';

export interface SnapshotEndStatements {
  /** `$1` raw table, `$2` partition: `n`, the unlanded changes of the partition that no key ties to a row. */
  untied: string;
  /**
   * `$1` commit LSN, `$2` LSN, `$3` commit time, `$4` partition, `$5` raw table, then `$6` offset for soft
   * deletes only (PostgreSQL refuses parameters a statement does not use). Returns `n`, the rows deleted.
   */
  apply: { sql: string; parameters: 5 | 6 };
  /** `$1` raw table, `$2` partition, `$3` commit LSN, `$4` LSN: forgets the unlanded changes this end considered. */
  forget: string;
}

const unlandedOfPartition = 'u.raw_table = $1::text AND u.kafka_partition = $2::integer';

export function snapshotEndStatements(shape: RawTableShape): SnapshotEndStatements {
  const older = [
    't._kafka_partition = $4::integer',
    '(t._source_commit_lsn, t._source_lsn) < ($1::pg_lsn, $2::pg_lsn)',
    // Not landed at or after the snapshot (or at an unknown position): the source still has the row.
    [
      'NOT EXISTS (SELECT 1 FROM cdc.unlanded_rows u',
      '  WHERE u.raw_table = $5::text AND u.kafka_partition = $4::integer',
      `    AND u.row_key = ${rowKeyExpression(shape, 't')}`,
      '    AND (u.source_commit_lsn IS NULL OR (u.source_commit_lsn, u.source_lsn) >= ($1::pg_lsn, $2::pg_lsn)))',
    ].join('\n'),
  ].join('\n  AND ');
  const apply =
    shape.deletes === 'hard'
      ? { sql: removeAndRecordStatement(shape, older, '$5::text'), parameters: 5 as const }
      : {
          sql: [
            `WITH gone AS (`,
            `  UPDATE ${rawTarget(shape)} t SET _deleted = true, _deleted_at = $3::timestamptz, _op = 'd',`,
            '    _source_commit_lsn = $1::pg_lsn, _source_lsn = $2::pg_lsn, _source_committed_at = $3::timestamptz,',
            '    _kafka_offset = $6::bigint, _ingested_at = now()',
            `  WHERE NOT t._deleted AND ${older}`,
            '  RETURNING 1',
            ')',
            'SELECT count(*)::int AS n FROM gone',
          ].join('\n'),
          parameters: 6 as const,
        };
  return {
    untied: `SELECT count(*)::int AS n FROM cdc.unlanded_rows u WHERE ${unlandedOfPartition} AND u.row_key IS NULL`,
    apply,
    forget: [
      `DELETE FROM cdc.unlanded_rows u WHERE ${unlandedOfPartition}`,
      '  AND (u.row_key IS NULL OR u.source_commit_lsn IS NULL',
      '    OR (u.source_commit_lsn, u.source_lsn) < ($3::pg_lsn, $4::pg_lsn))',
    ].join('\n'),
  };
}
