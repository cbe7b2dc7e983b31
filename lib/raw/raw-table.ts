/**
 * The shape of a raw table in `analytics_raw`: the connector's columns, as the reader's row schema describes them
 * (`cdc.column`, `cdc.sqlType` on each field), plus the sink's metadata columns. The migration generator writes
 * it as a dbmate migration; the sink adds columns that appear later (additive only) with the same types.
 */
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { PipelineError } from '../errors/index.ts';
import { quoteIdentifier } from '../postgres/index.ts';

export interface RawColumn {
  name: string;
  sqlType: string;
}

/**
 * Metadata the sink writes with every row: where the change sits in the source (the order key of the
 * idempotent upsert: commit LSN, then the change's own LSN), what it was, and where it came from in Kafka.
 */
export const rawMetadataColumns: readonly (RawColumn & { definition: string; comment: string })[] = [
  {
    name: '_source_commit_lsn',
    sqlType: 'pg_lsn',
    definition: 'pg_lsn NOT NULL',
    comment: 'Commit LSN of the source transaction (with _source_lsn, the order of changes).',
  },
  {
    name: '_source_lsn',
    sqlType: 'pg_lsn',
    definition: 'pg_lsn NOT NULL',
    comment: 'LSN of the change inside its transaction (0/0 for snapshot reads).',
  },
  {
    name: '_source_committed_at',
    sqlType: 'timestamptz',
    definition: 'timestamptz NOT NULL',
    comment: 'Commit time in the core database.',
  },
  {
    name: '_op',
    sqlType: 'text',
    definition: "text NOT NULL CHECK (_op IN ('c', 'u', 'd', 'r', 't'))",
    comment: 'Last operation applied: c, u, d, r (snapshot) or t (truncate).',
  },
  {
    name: '_deleted',
    sqlType: 'boolean',
    definition: 'boolean NOT NULL DEFAULT false',
    comment: 'Deleted (or truncated) in the core database.',
  },
  {
    name: '_deleted_at',
    sqlType: 'timestamptz',
    definition: 'timestamptz',
    comment: 'Commit time of the delete or truncate.',
  },
  {
    name: '_ingested_at',
    sqlType: 'timestamptz',
    definition: 'timestamptz NOT NULL DEFAULT now()',
    comment: 'When the sink wrote this version of the row.',
  },
  {
    name: '_kafka_partition',
    sqlType: 'integer',
    definition: 'integer NOT NULL',
    comment: 'Kafka partition of the change.',
  },
  {
    name: '_kafka_offset',
    sqlType: 'bigint',
    definition: 'bigint NOT NULL',
    comment: 'Kafka offset of the change.',
  },
];

interface SchemaField {
  name: string;
  'cdc.column'?: unknown;
  'cdc.sqlType'?: unknown;
}

/** A key or row schema as JSON: only the fields matter here. */
export interface RowSchemaFields {
  fields: readonly SchemaField[];
}

/** The raw columns a row schema asks for, in field order. */
export function rawColumnsOf(schema: RowSchemaFields, label: string): RawColumn[] {
  return schema.fields.map((field) => {
    const name = field['cdc.column'];
    const sqlType = field['cdc.sqlType'];
    if (typeof name !== 'string' || typeof sqlType !== 'string' || name === '' || sqlType === '') {
      throw new PipelineError(
        'SCHEMA_INCOMPATIBLE',
        `${label}: field ${field.name} has no cdc.column / cdc.sqlType (a schema from before they existed: refresh it with npm run schemas -- write)`,
      );
    }
    if (name.startsWith('_') && rawMetadataColumns.some((column) => column.name === name)) {
      throw new PipelineError(
        'CONFIG_INVALID',
        `${label}: column ${name} clashes with a raw metadata column`,
      );
    }
    return { name, sqlType };
  });
}

/** CREATE TABLE for a raw table, keyed by the conflict columns, with comments for people reading the catalog. */
export function rawTableDdl(options: {
  table: string;
  source: string;
  columns: readonly RawColumn[];
  conflictColumns: readonly string[];
}): string {
  const { table, columns, conflictColumns } = options;
  const missing = conflictColumns.filter((name) => !columns.some((column) => column.name === name));
  if (conflictColumns.length === 0 || missing.length > 0) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `analytics_raw.${table}: conflict columns ${missing.join(', ') || '(none)'} are not columns of the table`,
    );
  }
  const qualified = `analytics_raw.${quoteIdentifier(table)}`;
  const lines = [
    ...columns.map((column) => `  ${quoteIdentifier(column.name)} ${column.sqlType}`),
    ...rawMetadataColumns.map((column) => `  ${column.name} ${column.definition}`),
    `  PRIMARY KEY (${conflictColumns.map(quoteIdentifier).join(', ')})`,
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified} (`,
    lines.join(',\n'),
    ');',
    `COMMENT ON TABLE ${qualified} IS 'Raw replica of ${options.source.replaceAll("'", "''")}, maintained by the CDC raw sink.';`,
    ...rawMetadataColumns.map(
      (column) =>
        `COMMENT ON COLUMN ${qualified}.${column.name} IS '${column.comment.replaceAll("'", "''")}';`,
    ),
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table}_ingested_at_idx`)} ON ${qualified} (_ingested_at);`,
  ].join('\n');
}

/** The dbmate migration creating a connector's raw table, from its key and row schemas. */
export function rawMigrationSql(
  connector: ConnectorDefinition,
  valueSchema: RowSchemaFields,
  keySchema: RowSchemaFields,
): string {
  const columns = rawColumnsOf(valueSchema, connector.name);
  const conflictColumns =
    connector.destination.conflictColumns ??
    rawColumnsOf(keySchema, `${connector.name} key`).map((column) => column.name);
  const table = connector.destination.table;
  return [
    '-- migrate:up',
    `-- Raw table of connector ${connector.name} (generated by npm run raw -- migration ${connector.name}).`,
    rawTableDdl({
      table,
      source: `${connector.source.schema}.${connector.source.table}`,
      columns,
      conflictColumns,
    }),
    '',
    '-- migrate:down',
    `DROP TABLE IF EXISTS analytics_raw.${quoteIdentifier(table)};`,
    '',
  ].join('\n');
}
