/**
 * The streaming replication sub-protocol inside CopyData (PostgreSQL docs, "Streaming Replication Protocol"):
 * XLogData ('w') and primary keepalive ('k') from the server, standby status update ('r') from us.
 * Kept apart from the session so the byte layouts and the 2000-01-01 epoch are unit-tested on their own.
 */
import { PipelineError } from '../../../lib/errors/index.ts';
import type { Lsn } from '../model.ts';

/** PostgreSQL timestamps count microseconds from 2000-01-01 00:00:00 UTC, not from 1970. */
export const postgresEpochMillis = 946_684_800_000;
const postgresEpochMicros = BigInt(postgresEpochMillis) * 1000n;

export function toPostgresMicros(unixMillis: number): bigint {
  return BigInt(Math.round(unixMillis * 1000)) - postgresEpochMicros;
}

export function fromPostgresMicros(postgresMicros: bigint): number {
  return Number((postgresMicros + postgresEpochMicros) / 1000n);
}

export interface XLogData {
  tag: 'xlogdata';
  /** WAL position of the record this message came from. */
  dataStart: Lsn;
  walEnd: Lsn;
  serverTimeMillis: number;
  /** The pgoutput message. */
  payload: Buffer;
}

export interface PrimaryKeepalive {
  tag: 'keepalive';
  /** The server's sent position: everything before it has been decoded and, if published, sent. */
  walEnd: Lsn;
  serverTimeMillis: number;
  replyRequested: boolean;
}

const xlogDataHeaderBytes = 25;
const keepaliveBytes = 18;

function malformed(what: string, length: number): PipelineError {
  return new PipelineError('INTERNAL', `malformed replication message: ${what} (${length} bytes)`);
}

/** Parses one CopyData payload from the walsender. The returned payload is a view: copy it to keep it. */
export function parseCopyData(chunk: Buffer): XLogData | PrimaryKeepalive {
  const tag = chunk[0];
  if (tag === 0x77 /* w */) {
    if (chunk.length < xlogDataHeaderBytes) throw malformed('short XLogData', chunk.length);
    return {
      tag: 'xlogdata',
      dataStart: chunk.readBigUInt64BE(1),
      walEnd: chunk.readBigUInt64BE(9),
      serverTimeMillis: fromPostgresMicros(chunk.readBigInt64BE(17)),
      payload: chunk.subarray(xlogDataHeaderBytes),
    };
  }
  if (tag === 0x6b /* k */) {
    if (chunk.length < keepaliveBytes) throw malformed('short keepalive', chunk.length);
    return {
      tag: 'keepalive',
      walEnd: chunk.readBigUInt64BE(1),
      serverTimeMillis: fromPostgresMicros(chunk.readBigInt64BE(9)),
      replyRequested: chunk[17] === 1,
    };
  }
  throw malformed(`unknown tag ${tag === undefined ? 'none' : `0x${tag.toString(16)}`}`, chunk.length);
}

/**
 * Standby status update. Write, flush and apply all carry the position the owner confirmed, exactly: for a
 * logical slot PostgreSQL stores the flush position as `confirmed_flush_lsn` and, after a restart, skips every
 * transaction whose commit record starts before it. Sending `lsn + 1` (as pg-logical-replication does) would
 * skip a transaction whose commit record starts right where the confirmed one ended.
 */
export function encodeStatusUpdate(confirmed: Lsn, nowMillis: number, replyRequested = false): Buffer {
  const message = Buffer.alloc(34);
  message[0] = 0x72; // r
  message.writeBigUInt64BE(confirmed, 1); // written
  message.writeBigUInt64BE(confirmed, 9); // flushed
  message.writeBigUInt64BE(confirmed, 17); // applied
  message.writeBigInt64BE(toPostgresMicros(nowMillis), 25);
  message[33] = replyRequested ? 1 : 0;
  return message;
}
