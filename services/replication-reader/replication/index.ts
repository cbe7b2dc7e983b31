export {
  type ConnectionSettings,
  replicationClientConfig,
  type StartReplicationOptions,
  sessionSettings,
  startReplicationCommand,
} from './connection.ts';
export { PgoutputDecoder } from './decoder.ts';
export { replicationError } from './errors.ts';
export type {
  BeginMessage,
  ChangeMessage,
  CommitMessage,
  KeepaliveMessage,
  Relation,
  RelationColumn,
  RelationMessage,
  ReplicationMessage,
  ReplicationMessageKind,
} from './messages.ts';
export { type ReplicationSessionOptions, sessionDefaults } from './options.ts';
export { ReplicationSession, type SessionState, type SessionStatus } from './session.ts';
