export { withPooledClient } from './checkout.ts';
export { assertSlotName, quoteIdentifier, quoteLiteral, type ReplicaIdentity } from './identifiers.ts';
export {
  compareLsn,
  formatLsn,
  invalidLsn,
  isLsn,
  type Lsn,
  lsnDistance,
  maxLsn,
  maxLsnValue,
  parseLsn,
} from './lsn.ts';
export {
  createLogicalSlot,
  dropReplicationSlot,
  type Queryable,
  type ReplicationSlotState,
  readReplicationSlot,
} from './slots.ts';
export {
  type BuiltinTypeName,
  builtinSqlType,
  formatSqlType,
  parseSqlType,
  type SqlType,
  sameSqlType,
} from './sql-type.ts';
