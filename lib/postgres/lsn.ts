/**
 * WAL positions. PostgreSQL shows an LSN as two 32-bit halves in hex (`16/B374D848`); the pipeline keeps it as
 * one unsigned 64-bit bigint so comparing and storing it is exact (a JavaScript number would round past 2^53).
 */
import { PipelineError } from '../errors/index.ts';

export type Lsn = bigint;

/** InvalidXLogRecPtr: "no position" in the replication protocol (a status update with it changes nothing). */
export const invalidLsn: Lsn = 0n;
export const maxLsnValue: Lsn = 0xffff_ffff_ffff_ffffn;

// PostgreSQL's pg_lsn input accepts 1 to 8 hex digits on each side; anything else is a typo or a mix-up.
const lsnText = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): Lsn {
  const match = typeof text === 'string' ? lsnText.exec(text.trim()) : null;
  if (!match) {
    throw new PipelineError('INVALID_ARGUMENT', `not a WAL position (expected X/Y in hex): ${String(text)}`, {
      details: { value: String(text).slice(0, 40) },
    });
  }
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function isLsn(value: unknown): value is Lsn {
  return typeof value === 'bigint' && value >= 0n && value <= maxLsnValue;
}

function assertLsn(value: Lsn): void {
  if (!isLsn(value)) {
    throw new PipelineError('INVALID_ARGUMENT', `WAL position out of range: ${String(value)}`);
  }
}

/** Formats like PostgreSQL does (`0/16B3748`: upper-case hex, no padding), so logs match `pg_replication_slots`. */
export function formatLsn(lsn: Lsn): string {
  assertLsn(lsn);
  const high = lsn >> 32n;
  const low = lsn & 0xffff_ffffn;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}

export function compareLsn(a: Lsn, b: Lsn): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The later of the given positions; undefined ones are ignored ("nothing known yet"). */
export function maxLsn(...positions: (Lsn | undefined)[]): Lsn | undefined {
  let best: Lsn | undefined;
  for (const position of positions) {
    if (position !== undefined && (best === undefined || position > best)) best = position;
  }
  return best;
}

/** Bytes of WAL between two positions (e.g. slot lag); never negative. */
export function lsnDistance(from: Lsn, to: Lsn): bigint {
  return to > from ? to - from : 0n;
}
