/**
 * The advisory-lock key of a slot's lease: the first 8 bytes of SHA-256('cdc-reader:' + slot) as a signed
 * 64-bit integer (pg_try_advisory_lock's bigint). Stable across processes, versions and machines, which is the
 * whole point: two readers of the same slot must compute the same key. The prefix keeps our keys apart from
 * other applications' advisory locks on the same database.
 */
import { createHash } from 'node:crypto';

export const leaseKeyPrefix = 'cdc-reader:';

export function leaseKey(slot: string): bigint {
  const digest = createHash('sha256').update(`${leaseKeyPrefix}${slot}`, 'utf8').digest();
  return digest.readBigInt64BE(0);
}

/** How pg_locks shows a bigint advisory key: classid = high 32 bits, objid = low 32 bits (both unsigned oids). */
export function leaseLockIds(key: bigint): { classid: string; objid: string } {
  return {
    classid: BigInt.asUintN(32, key >> 32n).toString(),
    objid: BigInt.asUintN(32, key).toString(),
  };
}
