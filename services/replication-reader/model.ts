/**
 * The reader's change model: what the replication stream yields after pgoutput decoding and before Avro.
 * Every stage of the reader (replication session, mapping, envelope, producer, acknowledgement) speaks these
 * types, so each can be built and tested alone.
 *
 * Values stay in PostgreSQL's text form until the mapping stage: node-postgres' global type parsers lose
 * microseconds and shift dates by the local time zone, so the reader never lets them run.
 */

import type { ReplicaIdentity } from '../../lib/postgres/index.ts';

export type { ReplicaIdentity };

/** A WAL position as a 64-bit integer (PostgreSQL's `X/Y` text form is `(X << 32) | Y`). */
export type Lsn = bigint;

/** An UPDATE that did not touch a TOASTed column carries no value for it: the consumer keeps what it has. */
export const unchangedToast: unique symbol = Symbol.for('cdc.unchanged-toast');
export type UnchangedToast = typeof unchangedToast;

/** One column value as pgoutput sent it: text form, SQL NULL, or "unchanged TOAST". */
export type TextValue = string | null | UnchangedToast;
export type TextRow = Readonly<Record<string, TextValue>>;

/** How PostgreSQL classifies a column's type (pg_type.typtype, with arrays told apart). */
export type TypeKind = 'base' | 'enum' | 'array' | 'domain' | 'composite' | 'range' | 'multirange' | 'pseudo';

export interface ColumnDefinition {
  name: string;
  typeOid: number;
  /** pg_type.typname of the column's type (for arrays, e.g. `_text`), or of the domain's base type. */
  typeName: string;
  /** `format_type(atttypid, atttypmod)`, e.g. `numeric(12,2)`, `text[]`, `mission_status`: for humans and drift. */
  formattedType: string;
  typeModifier: number;
  kind: TypeKind;
  /** For arrays: the element type's oid and pg_type.typname (e.g. 25, `text`). */
  elementTypeOid?: number;
  elementTypeName?: string;
  /** For arrays: the element type's delimiter in the array's text form (pg_type.typdelim; `;` for box). */
  elementDelimiter?: string;
  /** For arrays: declared dimensions (pg_attribute.attndims, at least 1). */
  arrayDimensions?: number;
  /** For enums (and arrays of enums): the labels in sort order. */
  enumLabels?: readonly string[];
  nullable: boolean;
  /** Part of the connector's key (by default, the primary key). */
  isKey: boolean;
  /** pg_type.typlen = -1 and storage not plain: an UPDATE may leave it as "unchanged TOAST". */
  toastable: boolean;
}

/** A captured table as the reader maps it: only the published columns, in attribute order. */
export interface TableDefinition {
  schema: string;
  table: string;
  relationOid: number;
  columns: readonly ColumnDefinition[];
  keyColumns: readonly string[];
  replicaIdentity: ReplicaIdentity;
}

export interface TableRef {
  schema: string;
  table: string;
  relationOid: number;
}

/** Where a change sits in the source: the order key the sink compares to apply changes idempotently. */
export interface SourcePosition {
  /** Commit LSN of the transaction (for a snapshot read: the slot's consistent point). */
  commitLsn: Lsn;
  /** LSN of this change inside its transaction (WAL start of its XLogData message); 0 for snapshot reads. */
  lsn: Lsn;
  xid: number;
  /** Commit time, microseconds since the Unix epoch (pgoutput's precision). */
  commitTimeMicros: bigint;
}

export type RowChange =
  | { op: 'c'; table: TableRef; position: SourcePosition; after: TextRow }
  | {
      op: 'u';
      table: TableRef;
      position: SourcePosition;
      /** Old row (REPLICA IDENTITY FULL), old key (key changed), or null. */
      before: TextRow | null;
      after: TextRow;
    }
  | { op: 'd'; table: TableRef; position: SourcePosition; before: TextRow }
  | {
      op: 'r';
      table: TableRef;
      position: SourcePosition;
      after: TextRow;
      /** Initial copy: true, or last for its very last row; incremental for a chunk of `cdc snapshot`. */
      snapshot: 'true' | 'last' | 'incremental';
    }
  | { op: 't'; table: TableRef; position: SourcePosition; cascade: boolean; restartIdentity: boolean }
  /**
   * The end of a table's snapshot (initial copy or incremental): every row of the table that the snapshot (or
   * a change after it) did not write is gone from the source. Position: below every position the snapshot
   * wrote (the initial copy's consistent point, or an incremental snapshot's first low watermark). On Kafka an
   * `r` event without a row, `source.snapshot` = `last_in_data_collection`, on every partition (see
   * schemas/README.md); the sink marks the rows of that partition still older than it deleted.
   */
  | { op: 'snapshot-end'; table: TableRef; position: SourcePosition };

export type Operation = RowChange['op'];
