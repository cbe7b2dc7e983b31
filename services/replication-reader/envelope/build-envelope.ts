/**
 * One change event in Debezium's envelope layout, ready for the `<topic>-value` schema of
 * envelope-schema.ts. Longs are bigints (see lib/avro). A truncate is one event per table: the reader turns a
 * TRUNCATE of three tables into three RowChanges, each built here with before = after = null.
 */
import { PipelineError } from '../../../lib/errors/index.ts';
import type { AvroRecord } from '../mapping/row-mapper.ts';
import type { RowChange } from '../model.ts';

/** Reported in source.version; a test keeps it equal to package.json's version. */
export const readerVersion = '0.1.0';

export interface EnvelopeContext {
  /** Topic prefix (source.name). */
  prefix: string;
  /** Source database name (source.db). */
  db: string;
  /** When the reader processed the change (ts_ms). */
  processingTimeMs: number;
  version?: string;
  /** The event's place in its transaction (1-based); without it the `transaction` block is null. */
  transaction?: { totalOrder: number | bigint; dataCollectionOrder: number | bigint };
}

export interface MappedRows {
  before?: AvroRecord | null;
  after?: AvroRecord | null;
}

export interface Source {
  version: string;
  connector: 'postgresql';
  name: string;
  ts_ms: bigint;
  ts_us: bigint;
  snapshot: 'true' | 'last' | 'false';
  db: string;
  sequence: string;
  schema: string;
  table: string;
  txId: bigint;
  lsn: bigint;
  commit_lsn: bigint;
  xmin: null;
}

export interface Envelope {
  before: AvroRecord | null;
  after: AvroRecord | null;
  source: Source;
  op: RowChange['op'];
  ts_ms: bigint;
  transaction: { id: string; total_order: bigint; data_collection_order: bigint } | null;
}

function rowsFor(change: RowChange, rows: MappedRows): Pick<Envelope, 'before' | 'after'> {
  const before = rows.before ?? null;
  const after = rows.after ?? null;
  const required = { c: 'after', r: 'after', u: 'after', d: 'before', t: undefined }[change.op];
  if (required && rows[required as 'before' | 'after'] == null) {
    throw new PipelineError('INTERNAL', `envelope for op ${change.op} needs the ${required} row`, {
      details: { schema: change.table.schema, table: change.table.table },
    });
  }
  switch (change.op) {
    case 'c':
    case 'r':
      return { before: null, after };
    case 'u':
      return { before, after };
    case 'd':
      return { before, after: null };
    case 't':
      return { before: null, after: null };
  }
}

export function buildEnvelope(change: RowChange, rows: MappedRows, context: EnvelopeContext): Envelope {
  const { position, table } = change;
  const source: Source = {
    version: context.version ?? readerVersion,
    connector: 'postgresql',
    name: context.prefix,
    ts_ms: position.commitTimeMicros / 1000n,
    ts_us: position.commitTimeMicros,
    snapshot: change.op === 'r' ? change.snapshot : 'false',
    db: context.db,
    // Debezium's order key: decimal LSNs as JSON strings (an LSN does not fit a JSON number).
    sequence: JSON.stringify([position.commitLsn.toString(), position.lsn.toString()]),
    schema: table.schema,
    table: table.table,
    txId: BigInt(position.xid),
    lsn: position.lsn,
    commit_lsn: position.commitLsn,
    xmin: null,
  };
  const transaction = context.transaction
    ? {
        id: `${position.xid}:${position.commitLsn}`,
        total_order: BigInt(context.transaction.totalOrder),
        data_collection_order: BigInt(context.transaction.dataCollectionOrder),
      }
    : null;
  return {
    ...rowsFor(change, rows),
    source,
    op: change.op,
    ts_ms: BigInt(Math.trunc(context.processingTimeMs)),
    transaction,
  };
}
