/**
 * Headers of the change topics (the data contract, schemas/README.md), shared by the reader that writes them
 * and the sink that reads them.
 *
 * A tombstone has no value, yet after Kafka compacts a topic it is often all that is left of a deleted key (the
 * delete event before it is gone). So it carries the delete's source position in headers, and the sink applies
 * it as that delete, in order, like the event it stands for. Headers are untrusted input: they are parsed
 * strictly, and a malformed one is a decoding failure (the message is dead-lettered), never a guess.
 */
import { PipelineError } from '../errors/index.ts';

export const changeHeaders = {
  /** The event's operation (`c`, `u`, `d`, `r`, `t`, `snapshot-end`, `tombstone`): a hint for people and tools. */
  op: 'cdc-op',
  /** Commit LSN of the source transaction, decimal (as `source.commit_lsn`). */
  commitLsn: 'cdc-commit-lsn',
  /** LSN of the change inside its transaction, decimal (as `source.lsn`). */
  lsn: 'cdc-lsn',
  /** Commit time, microseconds since the epoch, decimal (as `source.ts_us`). */
  committedAtMicros: 'cdc-ts-us',
} as const;

export interface HeaderPosition {
  commitLsn: bigint;
  lsn: bigint;
  committedAtMicros: bigint;
}

/** The headers of a tombstone: what the sink needs to apply the delete it stands for. */
export function tombstoneHeaders(position: HeaderPosition): Record<string, string> {
  return {
    [changeHeaders.op]: 'tombstone',
    [changeHeaders.commitLsn]: position.commitLsn.toString(),
    [changeHeaders.lsn]: position.lsn.toString(),
    [changeHeaders.committedAtMicros]: position.committedAtMicros.toString(),
  };
}

type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;

const maxUnsigned64 = 2n ** 64n - 1n;
const maxSigned64 = 2n ** 63n - 1n;

function single(headers: RawHeaders, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    throw new PipelineError('DECODE_FAILED', `header ${name} is repeated`, { details: { header: name } });
  }
  return Buffer.isBuffer(value) ? value.toString('latin1') : value;
}

function decimal(headers: RawHeaders, name: string, max: bigint): bigint {
  const text = single(headers, name);
  // Digits only, bounded: a header is untrusted, and BigInt() alone would take "0x1f", " 12" or 10^10000.
  if (text === undefined || !/^\d{1,20}$/.test(text) || BigInt(text) > max) {
    throw new PipelineError('DECODE_FAILED', `header ${name} is not a decimal position`, {
      details: { header: name },
    });
  }
  return BigInt(text);
}

/**
 * The source position a tombstone carries; undefined when it carries none (written by a reader from before
 * tombstones had positions). A partial or malformed set is DECODE_FAILED.
 */
export function positionOfTombstone(headers: RawHeaders): HeaderPosition | undefined {
  const present = [changeHeaders.commitLsn, changeHeaders.lsn, changeHeaders.committedAtMicros].filter(
    (name) => headers?.[name] !== undefined,
  );
  if (present.length === 0) return undefined;
  return {
    commitLsn: decimal(headers, changeHeaders.commitLsn, maxUnsigned64),
    lsn: decimal(headers, changeHeaders.lsn, maxUnsigned64),
    committedAtMicros: decimal(headers, changeHeaders.committedAtMicros, maxSigned64),
  };
}
