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
  snapshot: 'true' | 'last' | 'incremental' | 'last_in_data_collection' | 'false';
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
  op: Exclude<RowChange['op'], 'snapshot-end'>;
  ts_ms: bigint;
  transaction: { id: string; total_order: bigint; data_collection_order: bigint } | null;
}

const requiredRow = {
  c: 'after',
  r: 'after',
  u: 'after',
  d: 'before',
  t: undefined,
  'snapshot-end': undefined,
} as const;

function rowsFor(change: RowChange, rows: MappedRows): Pick<Envelope, 'before' | 'after'> {
  const before = rows.before ?? null;
  const after = rows.after ?? null;
  const required = requiredRow[change.op];
  if (required && rows[required] == null) {
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
    case 'snapshot-end':
      return { before: null, after: null };
  }
}

/** What every event of one transaction shares; bigint arithmetic and formatting are not cheap per event. */
interface TransactionParts {
  commitLsn: bigint;
  xid: number;
  commitTimeMicros: bigint;
  tsMs: bigint;
  txId: bigint;
  /** `["<commit lsn>","` of source.sequence. */
  sequencePrefix: string;
  transactionId: string;
}

let lastParts: TransactionParts | undefined;

function transactionParts(position: RowChange['position']): TransactionParts {
  const last = lastParts;
  if (
    last !== undefined &&
    last.commitLsn === position.commitLsn &&
    last.xid === position.xid &&
    last.commitTimeMicros === position.commitTimeMicros
  ) {
    return last;
  }
  const parts: TransactionParts = {
    commitLsn: position.commitLsn,
    xid: position.xid,
    commitTimeMicros: position.commitTimeMicros,
    tsMs: position.commitTimeMicros / 1000n,
    txId: BigInt(position.xid),
    sequencePrefix: `["${position.commitLsn.toString()}","`,
    transactionId: `${position.xid}:${position.commitLsn}`,
  };
  lastParts = parts;
  return parts;
}

/** A bigint's decimal digits: through a number when that is exact (faster than bigint formatting). */
function decimal(value: bigint): string {
  return value <= 9007199254740991n && value >= 0n ? String(Number(value)) : value.toString();
}

function snapshotOf(change: RowChange): Source['snapshot'] {
  if (change.op === 'r') return change.snapshot;
  return change.op === 'snapshot-end' ? 'last_in_data_collection' : 'false';
}

export function buildEnvelope(change: RowChange, rows: MappedRows, context: EnvelopeContext): Envelope {
  const { position, table } = change;
  const parts = transactionParts(position);
  const source: Source = {
    version: context.version ?? readerVersion,
    connector: 'postgresql',
    name: context.prefix,
    ts_ms: parts.tsMs,
    ts_us: position.commitTimeMicros,
    snapshot: snapshotOf(change),
    db: context.db,
    // Debezium's order key: decimal LSNs as JSON strings (an LSN does not fit a JSON number). Digits need no
    // JSON escaping, so this is JSON.stringify([commitLsn, lsn]) without the array and the serializer.
    sequence: `${parts.sequencePrefix}${decimal(position.lsn)}"]`,
    schema: table.schema,
    table: table.table,
    txId: parts.txId,
    lsn: position.lsn,
    commit_lsn: position.commitLsn,
    xmin: null,
  };
  const order = context.transaction;
  const transaction = order
    ? {
        id: parts.transactionId,
        total_order: typeof order.totalOrder === 'bigint' ? order.totalOrder : BigInt(order.totalOrder),
        data_collection_order:
          typeof order.dataCollectionOrder === 'bigint'
            ? order.dataCollectionOrder
            : BigInt(order.dataCollectionOrder),
      }
    : null;
  const { before, after } = rowsFor(change, rows);
  return {
    before,
    after,
    source,
    // Debezium has no snapshot-end event: an `r` without a row, labelled like Debezium's last read of a table.
    op: change.op === 'snapshot-end' ? 'r' : change.op,
    ts_ms: BigInt(Math.trunc(context.processingTimeMs)),
    transaction,
  };
}
