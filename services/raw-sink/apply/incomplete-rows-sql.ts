/**
 * The statements of `cdc.incomplete_rows` (see the migration and incomplete-rows.ts), built once per table shape.
 * Keys arrive as one text array per conflict column and are cast to the raw column's type in SQL, so the row's
 * identity (`rowKeyExpression`) is computed exactly as the other bookkeeping tables compute it.
 */
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import { type RawTableShape, rawTarget, rowKeyExpression } from './merge-sql.ts';

export interface IncompleteRowsStatements {
  /**
   * `$1` raw table, then arrays: `$2` index, `$3` commit LSN, `$4` LSN, `$5` partition, `$6` unbroken-since
   * offset, then one text array per conflict column. One row per index: `verdict`.
   */
  classify: string;
  /**
   * `$1` raw table, `$2` topic, `$3` connector, then arrays: `$4` source key (jsonb text), `$5` columns (comma
   * separated), `$6` commit LSN, `$7` LSN, `$8` partition, `$9` offset, then one text array per conflict column.
   */
  record: string;
  /** `$1` raw table, then one text array per conflict column: forgets the keys raw now holds as new as needed. */
  resolve: string;
  /** `$1` raw table: the same for every waiting key of the table (the repair loop's sweep). */
  resolveAll: string;
}

function keyColumns(shape: RawTableShape, firstParameter: number) {
  const types = shape.conflictColumns.map(
    (name) => shape.columns.find((column) => column.name === name)?.sqlType ?? 'text',
  );
  const aliases = shape.conflictColumns.map((_, index) => `k${index}`);
  return {
    aliases,
    arrays: aliases.map((_, index) => `$${firstParameter + index}::text[]`),
    typed: aliases.map((alias, index) => `u.${alias}::${types[index]}`),
    join: shape.conflictColumns
      .map((name, index) => `t.${quoteIdentifier(name)} = u.${aliases[index]}::${types[index]}`)
      .join(' AND '),
  };
}

const newerThanRaw = '(t._source_commit_lsn, t._source_lsn) >= (u.c::pg_lsn, u.l::pg_lsn)';

export function incompleteRowsStatements(shape: RawTableShape): IncompleteRowsStatements {
  const target = rawTarget(shape);
  const tKey = rowKeyExpression(shape, 't');
  const classifyKeys = keyColumns(shape, 7);
  const goneAtOrAfter = [
    'EXISTS (SELECT 1 FROM cdc.deleted_rows l WHERE l.raw_table = $1::text',
    `  AND l.row_key = jsonb_build_array(${classifyKeys.typed.map((value) => `${value}::text`).join(', ')})`,
    '  AND (l.source_commit_lsn, l.source_lsn) >= (u.c::pg_lsn, u.l::pg_lsn))',
  ].join('\n');
  // Whether the raw row can give the unchanged columns their value: it must be the version just before this
  // one. Not so when raw has no live row, when the sink did not read every record since writing it (a gap:
  // compaction, a skip; or another partition), when a version in between went to the dead-letter topic, or
  // when the key already waits for a repair.
  const classify = [
    'SELECT u.i AS index, CASE',
    `  WHEN t.${quoteIdentifier(shape.conflictColumns[0] as string)} IS NULL THEN`,
    `    CASE WHEN ${goneAtOrAfter} THEN 'stale' ELSE 'missing' END`,
    `  WHEN ${newerThanRaw} THEN 'stale'`,
    "  WHEN t._deleted THEN 'missing'",
    "  WHEN t._kafka_partition <> u.p OR t._kafka_offset < u.since THEN 'gap'",
    `  WHEN EXISTS (SELECT 1 FROM cdc.incomplete_rows i WHERE i.raw_table = $1::text AND i.row_key = ${tKey})`,
    "    THEN 'pending'",
    '  WHEN EXISTS (SELECT 1 FROM cdc.unlanded_rows n WHERE n.raw_table = $1::text AND n.kafka_partition = u.p',
    `      AND n.row_key = ${tKey} AND n.reason = 'dead-letter'`,
    '      AND (n.source_commit_lsn IS NULL OR (n.source_commit_lsn, n.source_lsn) > (t._source_commit_lsn, t._source_lsn)))',
    "    THEN 'lost-version'",
    "  ELSE 'complete' END AS verdict",
    `FROM unnest($2::integer[], $3::text[], $4::text[], $5::integer[], $6::bigint[], ${classifyKeys.arrays.join(', ')})`,
    `  AS u(i, c, l, p, since, ${classifyKeys.aliases.join(', ')})`,
    `LEFT JOIN ${target} t ON ${classifyKeys.join}`,
  ].join('\n');

  const recordKeys = keyColumns(shape, 10);
  const record = [
    'INSERT INTO cdc.incomplete_rows AS i (raw_table, row_key, topic, connector, source_key, columns,',
    '  source_commit_lsn, source_lsn, kafka_partition, kafka_offset)',
    `SELECT $1::text, jsonb_build_array(${recordKeys.typed.map((value) => `${value}::text`).join(', ')}),`,
    "  $2::text, $3::text, u.sk::jsonb, string_to_array(u.cols, ','), u.c::pg_lsn, u.l::pg_lsn, u.p, u.o",
    `FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::integer[], $9::bigint[], ${recordKeys.arrays.join(', ')})`,
    `  AS u(sk, cols, c, l, p, o, ${recordKeys.aliases.join(', ')})`,
    'ON CONFLICT (raw_table, row_key) DO UPDATE SET',
    // The newest incomplete version is what a repair must reach; it needs a read made after it (requested anew).
    '  source_commit_lsn = greatest(i.source_commit_lsn, EXCLUDED.source_commit_lsn),',
    '  source_lsn = CASE WHEN (EXCLUDED.source_commit_lsn, EXCLUDED.source_lsn) > (i.source_commit_lsn, i.source_lsn)',
    '    THEN EXCLUDED.source_lsn ELSE i.source_lsn END,',
    '  columns = ARRAY(SELECT DISTINCT unnest(i.columns || EXCLUDED.columns) ORDER BY 1),',
    '  source_key = EXCLUDED.source_key, topic = EXCLUDED.topic, kafka_partition = EXCLUDED.kafka_partition,',
    '  kafka_offset = EXCLUDED.kafka_offset, requested_at = NULL',
  ].join('\n');

  const resolveKeys = keyColumns(shape, 2);
  const repaired = [
    // Raw never holds an incomplete version, so a raw row at least as new is the repair (or a newer change).
    `  EXISTS (SELECT 1 FROM ${target} t WHERE ${tKey} = i.row_key`,
    '    AND (t._source_commit_lsn, t._source_lsn) >= (i.source_commit_lsn, i.source_lsn))',
    '  OR EXISTS (SELECT 1 FROM cdc.deleted_rows l WHERE l.raw_table = i.raw_table AND l.row_key = i.row_key',
    '    AND (l.source_commit_lsn, l.source_lsn) >= (i.source_commit_lsn, i.source_lsn))',
  ].join('\n');
  const resolve = [
    'DELETE FROM cdc.incomplete_rows i',
    `WHERE i.raw_table = $1::text AND i.row_key IN (`,
    `  SELECT jsonb_build_array(${resolveKeys.typed.map((value) => `${value}::text`).join(', ')})`,
    `  FROM unnest(${resolveKeys.arrays.join(', ')}) AS u(${resolveKeys.aliases.join(', ')}))`,
    `AND (\n${repaired})`,
  ].join('\n');
  const resolveAll = `DELETE FROM cdc.incomplete_rows i WHERE i.raw_table = $1::text AND (\n${repaired})`;
  return { classify, record, resolve, resolveAll };
}
