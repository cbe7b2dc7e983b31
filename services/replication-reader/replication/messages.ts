/**
 * What a replication session yields, in WAL order. Transactions arrive whole and in commit order (protocol
 * version 1 does not stream in-progress transactions): `begin`, then `relation` and `change` messages, then
 * `commit`. `keepalive` only ever comes between transactions, after everything before it was yielded.
 */
import type { Lsn, ReplicaIdentity, RowChange, TableRef } from '../model.ts';

export interface RelationColumn {
  name: string;
  typeOid: number;
  typeModifier: number;
  /** Part of the replica identity (the key pgoutput sends as `before` of updates and deletes). */
  isKey: boolean;
}

/** A published table as pgoutput describes it: only the published columns, in attribute order. */
export interface Relation extends TableRef {
  replicaIdentity: ReplicaIdentity;
  columns: readonly RelationColumn[];
  keyColumns: readonly string[];
}

export interface BeginMessage {
  kind: 'begin';
  xid: number;
  /** LSN of the transaction's commit record (pgoutput's "final LSN"). */
  commitLsn: Lsn;
  /** Microseconds since the Unix epoch. */
  commitTimeMicros: bigint;
  /** The XLogData position of this message (for a begin: the transaction's first record). */
  lsn: Lsn;
}

/**
 * pgoutput sends a relation before the first change of a table in each session, and again after its schema
 * changed. `changed` is true the first time and whenever the description differs from the previous one, so the
 * pipeline re-reads the catalog only then.
 */
export interface RelationMessage {
  kind: 'relation';
  relation: Relation;
  changed: boolean;
  lsn: Lsn;
}

export interface ChangeMessage {
  kind: 'change';
  change: RowChange;
}

export interface CommitMessage {
  kind: 'commit';
  xid: number;
  commitLsn: Lsn;
  /** End of the commit record: the position to confirm once the whole transaction is safe in Kafka. */
  commitEndLsn: Lsn;
  commitTimeMicros: bigint;
  /** The XLogData position, which for a commit is its end (equal to commitEndLsn). */
  lsn: Lsn;
}

/**
 * The server's sent position while no transaction is being sent: nothing published lies before it that was not
 * yielded already, so once every earlier transaction is acknowledged it may be confirmed (idle slots advance).
 */
export interface KeepaliveMessage {
  kind: 'keepalive';
  walEnd: Lsn;
  serverTimeMillis: number;
}

/**
 * A logical decoding message (`pg_logical_emit_message(true, prefix, content)`) whose prefix starts with `cdc.`:
 * the pipeline's own signals, in WAL order inside their transaction. Other prefixes are not ours and are dropped.
 */
export interface LogicalMessage {
  kind: 'message';
  prefix: string;
  content: string;
  lsn: Lsn;
}

export type ReplicationMessage =
  | BeginMessage
  | LogicalMessage
  | RelationMessage
  | ChangeMessage
  | CommitMessage
  | KeepaliveMessage;

export type ReplicationMessageKind = ReplicationMessage['kind'];
