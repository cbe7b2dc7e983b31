/**
 * Turns one decoded change into the Kafka messages of the data contract (Debezium layout, Confluent framing):
 * - insert / snapshot read: one event keyed by the new row's key;
 * - update: one event; when the key changed, a delete of the old key (plus its tombstone) and a create of the
 *   new one, as Debezium does, so compaction never keeps a row under a key it no longer has;
 * - delete: the delete event, then a tombstone (null value) so compaction eventually drops the key. The
 *   tombstone carries the delete's source position in headers (lib/kafka/change-headers.ts): once compaction
 *   removed the delete event, the tombstone is what tells a consumer replaying the topic to delete the row;
 * - truncate: one event on every partition of the topic (keyed by a `cdc.TruncateKey`), so it is ordered after
 *   every earlier change of the table whatever partition that change went to;
 * - snapshot end: the same, after the snapshot's rows of every partition, keyed by a `cdc.SnapshotEndKey` (its
 *   own key, so compaction never keeps a truncate in its place: table-event-keys.ts says why).
 */
import type { Type } from 'avsc';
import { ScratchEncoder } from '../../../lib/avro/index.ts';
import { tombstoneHeaders } from '../../../lib/kafka/change-headers.ts';
import { frame } from '../../../lib/registry/index.ts';
import { buildEnvelope, type EnvelopeContext } from '../envelope/index.ts';
import type { AvroRecord } from '../mapping/index.ts';
import type { RowChange, TextRow } from '../model.ts';
import type { OutgoingMessage } from '../producer/batching-producer.ts';
import type { CapturedTable } from './captured-table.ts';
import type { TableEventKeys } from './table-event-keys.ts';

export interface EventContext extends EnvelopeContext {
  /** Keys of this table's truncates and snapshot ends (table-event-keys.ts). */
  tableKeys: TableEventKeys;
  partitions: number;
}

/** Every published column, NULL where the change did not carry it (a delete's old key has the key only). */
function complete(table: CapturedTable, row: TextRow): TextRow {
  if (table.columnNames.every((name) => name in row)) return row;
  const full: Record<string, TextRow[string]> = {};
  for (const name of table.columnNames) full[name] = name in row ? (row[name] ?? null) : null;
  return full;
}

const encoder = new ScratchEncoder();
const emptyBody = Buffer.alloc(0);
const frameHeaders = new Map<number, Buffer>();

/** Confluent-framed Avro in one allocation: the 5-byte header of `frame`, then the body. */
function framed(schemaId: number, type: Type, value: unknown): Buffer {
  let header = frameHeaders.get(schemaId);
  if (!header) {
    header = frame(schemaId, emptyBody);
    frameHeaders.set(schemaId, header);
  }
  return encoder.encode(type, value, header);
}

function encodeKey(table: CapturedTable, key: AvroRecord): Buffer {
  return framed(table.keySchemaId, table.keyType, key);
}

// One headers object per operation, shared by every message (nothing downstream mutates them).
const opHeaders = {
  c: Object.freeze({ 'cdc-op': 'c' }),
  u: Object.freeze({ 'cdc-op': 'u' }),
  d: Object.freeze({ 'cdc-op': 'd' }),
  r: Object.freeze({ 'cdc-op': 'r' }),
  t: Object.freeze({ 'cdc-op': 't' }),
  'snapshot-end': Object.freeze({ 'cdc-op': 'snapshot-end' }),
} as const;

function event(
  table: CapturedTable,
  change: RowChange,
  key: Buffer,
  rows: { before?: AvroRecord | null; after?: AvroRecord | null },
  context: EventContext,
): OutgoingMessage {
  const envelope = buildEnvelope(change, rows, context);
  return {
    topic: table.topic,
    key,
    value: framed(table.valueSchemaId, table.valueType, envelope),
    headers: opHeaders[change.op],
  };
}

/** The delete's position in headers: after compaction the tombstone may be all that is left of the delete. */
function tombstone(table: CapturedTable, key: Buffer, position: RowChange['position']): OutgoingMessage {
  const headers = tombstoneHeaders({
    commitLsn: position.commitLsn,
    lsn: position.lsn,
    committedAtMicros: position.commitTimeMicros,
  });
  return { topic: table.topic, key, value: null, headers };
}

export function changeMessages(
  table: CapturedTable,
  change: RowChange,
  context: EventContext,
): OutgoingMessage[] {
  const { mapper } = table;
  switch (change.op) {
    case 'c':
    case 'r': {
      const after = mapper.row(change.after);
      return [event(table, change, encodeKey(table, mapper.key(change.after)), { after }, context)];
    }
    case 'u': {
      const newKey = encodeKey(table, mapper.key(change.after));
      const after = mapper.row(change.after);
      const before = change.before ? mapper.row(complete(table, change.before)) : null;
      const oldKey = change.before ? encodeKey(table, mapper.key(change.before)) : undefined;
      if (oldKey && !oldKey.equals(newKey) && before) {
        const position = change.position;
        return [
          event(
            table,
            { op: 'd', table: change.table, position, before: change.before ?? {} },
            oldKey,
            { before },
            context,
          ),
          tombstone(table, oldKey, position),
          event(
            table,
            { op: 'c', table: change.table, position, after: change.after },
            newKey,
            { after },
            context,
          ),
        ];
      }
      return [event(table, change, newKey, { before, after }, context)];
    }
    case 'd': {
      const key = encodeKey(table, mapper.key(change.before));
      const before = mapper.row(complete(table, change.before));
      return [event(table, change, key, { before }, context), tombstone(table, key, change.position)];
    }
    case 't':
    case 'snapshot-end': {
      const envelope = buildEnvelope(change, {}, context);
      const value = framed(table.valueSchemaId, table.valueType, envelope);
      const headers = opHeaders[change.op];
      const key = change.op === 't' ? context.tableKeys.truncate : context.tableKeys.snapshotEnd;
      return Array.from({ length: context.partitions }, (_, partition) => ({
        topic: table.topic,
        key,
        value,
        partition,
        headers,
      }));
    }
  }
}
