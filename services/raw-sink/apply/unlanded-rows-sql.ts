/**
 * Records the changes the sink did not land (`cdc.unlanded_rows`), in the transaction that moves the cursor past
 * them, so that snapshot ends spare their keys (snapshot-end-sql.ts): dead letters, and changes the connector's
 * transform skipped while raw holds the row live (skipping a row raw never had changes nothing a snapshot end
 * could harm, and filter transforms skip a lot).
 *
 * Parameters: `$1` raw table, `$2` topic, then arrays `$3` partition, `$4` offset, `$5` commit LSN, `$6` LSN
 * (null: unknown), `$7` reason, `$8` only-if-raw-has-it, then one text array per conflict column (null: the
 * change could not be tied to a key). A key text the raw column type refuses makes the statement fail with a
 * data exception: the caller then records that change untied.
 */
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import { type RawTableShape, rawTarget } from './merge-sql.ts';

export function unlandedRowsStatement(shape: RawTableShape): string {
  const types = shape.conflictColumns.map(
    (name) => shape.columns.find((column) => column.name === name)?.sqlType ?? 'text',
  );
  const keys = shape.conflictColumns.map((_, index) => `k${index}`);
  const typed = keys.map((key, index) => `u.${key}::${types[index]}`);
  const present = keys.map((key) => `u.${key} IS NOT NULL`).join(' AND ');
  const arrays = [
    '$3::integer[]',
    '$4::bigint[]',
    '$5::text[]',
    '$6::text[]',
    '$7::text[]',
    '$8::boolean[]',
    ...keys.map((_, index) => `$${index + 9}::text[]`),
  ];
  const matches = shape.conflictColumns
    .map((name, index) => `t.${quoteIdentifier(name)} = ${typed[index]}`)
    .join(' AND ');
  return [
    'INSERT INTO cdc.unlanded_rows',
    '  (raw_table, kafka_partition, kafka_offset, topic, row_key, source_commit_lsn, source_lsn, reason)',
    `SELECT $1::text, u.p, u.o, $2::text,`,
    `  CASE WHEN ${present} THEN jsonb_build_array(${typed.map((value) => `${value}::text`).join(', ')}) END,`,
    '  u.c::pg_lsn, u.l::pg_lsn, u.r',
    `FROM unnest(${arrays.join(', ')}) AS u(p, o, c, l, r, live, ${keys.join(', ')})`,
    `WHERE NOT u.live OR (${present} AND EXISTS (`,
    `  SELECT 1 FROM ${rawTarget(shape)} t WHERE NOT t._deleted AND ${matches}))`,
    'ON CONFLICT (raw_table, kafka_partition, kafka_offset) DO NOTHING',
  ].join('\n');
}
