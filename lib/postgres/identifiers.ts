/**
 * Quoting for the few places where SQL cannot take parameters: replication commands (`START_REPLICATION`
 * runs over the simple query protocol, which has no bind parameters) and DDL on names. Everything else passes
 * values as parameters.
 */
import { PipelineError } from '../errors/index.ts';

function assertNoNul(text: string, what: string): void {
  // A NUL byte would end the string on the wire and let the rest be read as something else.
  if (text.includes('\u0000')) throw new PipelineError('INVALID_ARGUMENT', `${what} contains a NUL byte`);
}

/** `"name"`, with embedded double quotes doubled: case and punctuation are kept as written. */
export function quoteIdentifier(name: string): string {
  assertNoNul(name, 'identifier');
  if (name.length === 0) throw new PipelineError('INVALID_ARGUMENT', 'identifier is empty');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `'text'`, with embedded single quotes doubled. Backslashes stay literal: that is what both the SQL parser
 * (standard_conforming_strings, on since PostgreSQL 9.1) and the replication command parser (which knows no
 * E'' strings at all) expect.
 */
export function quoteLiteral(text: string): string {
  assertNoNul(text, 'literal');
  return `'${text.replaceAll("'", "''")}'`;
}

// ReplicationSlotValidateName: lower-case letters, digits and underscores, at most NAMEDATALEN - 1 bytes.
const slotName = /^[a-z0-9_]{1,63}$/;

/** Rejects a slot name PostgreSQL would reject, with a message naming the rule instead of a syntax error. */
export function assertSlotName(name: string): void {
  if (!slotName.test(name)) {
    throw new PipelineError(
      'INVALID_ARGUMENT',
      `invalid replication slot name ${JSON.stringify(name)}: use 1-63 lower-case letters, digits or underscores`,
    );
  }
}

/** pg_class.relreplident: which old values an UPDATE or DELETE writes to the WAL. */
export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';
