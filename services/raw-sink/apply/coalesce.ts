/**
 * One batch of a table's changes → the row versions to write, one per key, in the order that preserves the
 * stream's meaning. Within a partition Kafka keeps per-key order, so the last change of a key wins; an
 * unchanged TOAST column of that change takes the value an earlier change of the same batch gave it (or, if
 * none did, the value already in the raw table: the apply step keeps it). A truncate or a snapshot end splits
 * the batch: what came before it is written, then it, then what came after.
 */
import type { PgText } from '../values/pg-text.ts';
import { unchanged } from '../values/pg-text.ts';

/** A change as the sink applies it: row values already in PostgreSQL text form. */
export interface RowChange {
  op: 'c' | 'u' | 'd' | 'r';
  /** Key columns' text, JSON-encoded: identity within the table. */
  key: string;
  /** Every column of the raw table that the change carries: the new row, or for a delete its old values. */
  values: Record<string, PgText>;
  commitLsn: bigint;
  lsn: bigint;
  committedAtMicros: bigint;
  partition: number;
  offset: bigint;
  /** A delete decoded from a tombstone (its row is the key only): the delete event before it says more. */
  fromTombstone?: true;
  /**
   * The first offset since which the sink read this partition without a gap (compaction, a skip): a raw row
   * written before it may not be the version just before this one (apply/incomplete-rows.ts). Absent: the
   * caller read everything (0).
   */
  unbrokenSince?: bigint;
  /** The source key columns' text (from the Kafka key), for a version a repair may have to re-read. */
  sourceKey?: Readonly<Record<string, PgText>>;
}

/**
 * A truncate, or the end of a table's snapshot (rows of this partition older than it and not written again by
 * the snapshot are gone from the source). Neither names a row.
 */
export interface TruncateChange {
  op: 't' | 'snapshot-end';
  commitLsn: bigint;
  lsn: bigint;
  committedAtMicros: bigint;
  partition: number;
  offset: bigint;
}

export type TableChange = RowChange | TruncateChange;

export type Segment = { kind: 'rows'; rows: RowChange[] } | { kind: 'truncate'; truncate: TruncateChange };

/** `later` over `earlier` for the same key: later's values, unchanged columns filled from earlier when known. */
function merge(earlier: RowChange, later: RowChange): RowChange {
  let values = later.values;
  for (const [column, value] of Object.entries(later.values)) {
    if (value !== unchanged) continue;
    const known = earlier.values[column];
    if (known === undefined || known === unchanged) continue;
    if (values === later.values) values = { ...later.values };
    values[column] = known;
  }
  return values === later.values ? later : { ...later, values };
}

function isOlder(a: RowChange, b: RowChange): boolean {
  return a.commitLsn < b.commitLsn || (a.commitLsn === b.commitLsn && a.lsn < b.lsn);
}

export function coalesce(changes: readonly TableChange[]): Segment[] {
  const segments: Segment[] = [];
  let current = new Map<string, RowChange>();
  const flush = () => {
    if (current.size > 0) segments.push({ kind: 'rows', rows: [...current.values()] });
    current = new Map();
  };
  for (const change of changes) {
    if (!('key' in change)) {
      flush();
      segments.push({ kind: 'truncate', truncate: change });
      continue;
    }
    const earlier = current.get(change.key);
    // The tombstone of the delete just before it says nothing more (and has the key only, where a delete under
    // REPLICA IDENTITY FULL has the whole old row): keep the delete.
    if (change.fromTombstone && earlier?.op === 'd' && !isOlder(earlier, change)) continue;
    // A delete ends the row: nothing before it carries over to what follows.
    current.set(change.key, earlier && earlier.op !== 'd' ? merge(earlier, change) : change);
  }
  flush();
  return segments;
}
