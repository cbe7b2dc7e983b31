/**
 * pgoutput messages → the reader's change model. The byte-level parsing is pg-logical-replication's
 * (PgoutputPlugin.parse); everything about meaning is decided here: transaction framing, positions, replica
 * identity, unchanged TOAST, and keeping values in PostgreSQL's exact text form.
 */
import { type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { PipelineError } from '../../../lib/errors/index.ts';
import { parseLsn } from '../../../lib/postgres/index.ts';
import { type Lsn, type RowChange, type TableRef, type TextRow, unchangedToast } from '../model.ts';
import type { Relation, ReplicationMessage } from './messages.ts';

interface OpenTransaction {
  xid: number;
  commitLsn: Lsn;
  commitTimeMicros: bigint;
}

// Keeps the text as PostgreSQL printed it. The library would otherwise call node-postgres' global type
// parsers, which turn timestamps into Dates (microseconds lost, local time zone applied) and numbers into floats.
const keepText = (text: string): string => text;

function decodeFailure(message: string, cause?: unknown): PipelineError {
  // Not DECODE_FAILED (that means "dead-letter this message"): a stream we cannot follow must stop the reader.
  return new PipelineError('INTERNAL', `pgoutput: ${message}`, { cause });
}

function requireLsn(text: string | null, what: string): Lsn {
  if (text === null) throw decodeFailure(`${what} has no LSN`);
  return parseLsn(text);
}

/**
 * pgoutput sends 'u' (unchanged TOAST) for a large value an UPDATE did not touch. The library fills it from the
 * old tuple when there is one (REPLICA IDENTITY FULL: the old tuple carries the whole value) and leaves it
 * `undefined` otherwise, which is exactly "unchanged".
 */
function toTextRow(tuple: Record<string, unknown>, relation: Relation): TextRow {
  const row: Record<string, string | null | typeof unchangedToast> = {};
  for (const column of relation.columns) {
    if (!(column.name in tuple)) continue; // key tuples carry the key columns only
    const value = tuple[column.name];
    if (value === undefined) row[column.name] = unchangedToast;
    else if (value === null || typeof value === 'string') row[column.name] = value;
    else throw decodeFailure(`column ${column.name} did not arrive as text`);
  }
  return row;
}

function sameRelation(a: Relation, b: Relation): boolean {
  return (
    a.schema === b.schema &&
    a.table === b.table &&
    a.replicaIdentity === b.replicaIdentity &&
    a.columns.length === b.columns.length &&
    a.columns.every((column, i) => {
      const other = b.columns[i];
      return (
        other !== undefined &&
        column.name === other.name &&
        column.typeOid === other.typeOid &&
        column.typeModifier === other.typeModifier &&
        column.isKey === other.isKey
      );
    })
  );
}

export class PgoutputDecoder {
  // The library's parser caches relations by oid and resolves row messages against that cache.
  private readonly plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [] });
  private readonly relations = new Map<number, Relation>();
  private transaction: OpenTransaction | undefined;

  /** Whether a transaction's begin was decoded and its commit not yet. */
  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  /** Decodes one pgoutput message sent at WAL position `lsn` into zero or more replication messages. */
  decode(payload: Buffer, lsn: Lsn): ReplicationMessage[] {
    let message: Pgoutput.Message;
    try {
      message = this.plugin.parse(payload);
    } catch (error) {
      throw decodeFailure(`cannot parse message at tag 0x${(payload[0] ?? 0).toString(16)}`, error);
    }
    switch (message.tag) {
      case 'begin':
        return [this.begin(message, lsn)];
      case 'relation':
        return [this.relation(message, lsn)];
      case 'insert':
      case 'update':
      case 'delete':
        return [{ kind: 'change', change: this.rowChange(message, lsn) }];
      case 'truncate':
        return this.truncate(message, lsn);
      case 'commit':
        return [this.commit(message, lsn)];
      case 'message':
        return this.logicalMessage(message, lsn);
      // Types only name custom types (the catalog resolves them); origins carry no rows.
      case 'type':
      case 'origin':
        return [];
    }
  }

  /** Our own signals only, and only transactional ones: they must be ordered with the changes around them. */
  private logicalMessage(message: Pgoutput.MessageMessage, lsn: Lsn): ReplicationMessage[] {
    if (!message.transactional || !message.prefix.startsWith('cdc.')) return [];
    const content = Buffer.from(message.content).toString('utf8');
    return [{ kind: 'message', prefix: message.prefix, content, lsn }];
  }

  private begin(message: Pgoutput.MessageBegin, lsn: Lsn): ReplicationMessage {
    if (this.transaction)
      throw decodeFailure(`begin of xid ${message.xid} inside xid ${this.transaction.xid}`);
    this.transaction = {
      xid: message.xid,
      commitLsn: requireLsn(message.commitLsn, 'begin'),
      commitTimeMicros: message.commitTime as bigint,
    };
    return { kind: 'begin', ...this.transaction, lsn };
  }

  private commit(message: Pgoutput.MessageCommit, lsn: Lsn): ReplicationMessage {
    const transaction = this.transaction;
    if (!transaction) throw decodeFailure('commit without begin');
    const commitLsn = requireLsn(message.commitLsn, 'commit');
    if (commitLsn !== transaction.commitLsn) {
      throw decodeFailure(`commit LSN differs from its begin's (xid ${transaction.xid})`);
    }
    this.transaction = undefined;
    return {
      kind: 'commit',
      xid: transaction.xid,
      commitLsn,
      commitEndLsn: requireLsn(message.commitEndLsn, 'commit end'),
      commitTimeMicros: message.commitTime as bigint,
      lsn,
    };
  }

  private relation(message: Pgoutput.MessageRelation, lsn: Lsn): ReplicationMessage {
    // The parser returns the object it caches, so this reaches every later row of this relation.
    for (const column of message.columns) column.parser = keepText;
    const relation: Relation = {
      schema: message.schema,
      table: message.name,
      relationOid: message.relationOid,
      replicaIdentity: message.replicaIdentity,
      columns: message.columns.map((column) => ({
        name: column.name,
        typeOid: column.typeOid,
        typeModifier: column.typeMod,
        isKey: (column.flags & 1) === 1,
      })),
      keyColumns: [...message.keyColumns],
    };
    const previous = this.relations.get(relation.relationOid);
    this.relations.set(relation.relationOid, relation);
    return { kind: 'relation', relation, changed: !previous || !sameRelation(previous, relation), lsn };
  }

  private tableOf(message: Pgoutput.MessageRelation): { ref: TableRef; relation: Relation } {
    const relation = this.relations.get(message.relationOid);
    if (!relation) throw decodeFailure(`row for relation ${message.relationOid} before its description`);
    return {
      ref: { schema: relation.schema, table: relation.table, relationOid: relation.relationOid },
      relation,
    };
  }

  private position(lsn: Lsn) {
    const transaction = this.transaction;
    if (!transaction) throw decodeFailure('row change outside a transaction');
    return {
      commitLsn: transaction.commitLsn,
      lsn,
      xid: transaction.xid,
      commitTimeMicros: transaction.commitTimeMicros,
    };
  }

  private rowChange(
    message: Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete,
    lsn: Lsn,
  ): RowChange {
    const position = this.position(lsn);
    const { ref: table, relation } = this.tableOf(message.relation);
    if (message.tag === 'insert') {
      return { op: 'c', table, position, after: toTextRow(message.new, relation) };
    }
    // Old row with REPLICA IDENTITY FULL, old key when the key changed (or on delete), otherwise nothing.
    const old = message.old ?? message.key;
    if (message.tag === 'update') {
      const before = old ? toTextRow(old, relation) : null;
      return { op: 'u', table, position, before, after: toTextRow(message.new, relation) };
    }
    if (!old) throw decodeFailure(`delete on ${table.schema}.${table.table} without old key`);
    return { op: 'd', table, position, before: toTextRow(old, relation) };
  }

  private truncate(message: Pgoutput.MessageTruncate, lsn: Lsn): ReplicationMessage[] {
    const position = this.position(lsn);
    return message.relations.map((described) => {
      if (!described) throw decodeFailure('truncate of a relation never described');
      const { ref: table } = this.tableOf(described);
      return {
        kind: 'change',
        change: {
          op: 't',
          table,
          position,
          cascade: message.cascade,
          restartIdentity: message.restartIdentity,
        },
      };
    });
  }
}
