/**
 * What a connector declares: one captured core table, how its columns leave the core database, and where the
 * raw sink lands it. One small file per table (see README.md); `defineConnector` validates it at load time so
 * a typo fails fast with the connector's name in the message.
 */

export type ColumnPolicy =
  /** Every column (the default), minus `exclude`. */
  | { mode: 'all'; exclude?: readonly string[]; pseudonymise?: readonly string[] }
  /** Only these columns (the key columns are always included). */
  | { mode: 'only'; include: readonly string[]; pseudonymise?: readonly string[] };

export interface DestinationDefinition {
  /** Table in the analytics_raw schema. */
  table: string;
  /** ON CONFLICT columns of the raw table; default: the connector's key columns. */
  conflictColumns?: readonly string[];
  /** Soft delete keeps the row with `_deleted = true` (default); hard delete removes it. */
  deletes?: 'soft' | 'hard';
  /** `apply` marks every row deleted (default); `record` only records the truncate. */
  truncate?: 'apply' | 'record';
}

/** A raw row as the sink sees it after Avro decoding: column name to value. */
export type RawRecord = Record<string, unknown>;

export interface ConnectorDefinition {
  /** Stable identifier, also the file name: `connectors/<name>.ts`. */
  name: string;
  source: { schema: string; table: string };
  /** Key columns; default: the table's primary key. */
  key?: readonly string[];
  columns?: ColumnPolicy;
  /** Topic name; default `<KAFKA_TOPIC_PREFIX>.<schema>.<table>`. */
  topic?: string;
  destination: DestinationDefinition;
  /** Applied by the sink: return a record to land, or null to skip the row (as the seed jobs did). */
  transform?: (row: RawRecord) => RawRecord | null;
}
