/** The lease key must never change between versions or machines: two readers of one slot must agree on it. */
import { describe, expect, it } from 'vitest';
import { leaseKey, leaseLockIds } from '../../lib/source/lease-key.ts';

describe('leaseKey', () => {
  it('is the first 8 bytes of SHA-256("cdc-reader:" + slot), signed', () => {
    // Pinned; PostgreSQL computes the same:
    // SELECT ('x' || substr(encode(sha256('cdc-reader:cdc_reader'), 'hex'), 1, 16))::bit(64)::bigint
    expect(leaseKey('cdc_reader')).toBe(-2318204394330721333n);
    expect(leaseKey('a')).toBe(-7924992677593052387n);
  });

  it('differs per slot and fits a PostgreSQL bigint', () => {
    const keys = ['a', 'b', 'cdc_reader', 'cdc_reader2'].map(leaseKey);
    expect(new Set(keys).size).toBe(4);
    for (const key of keys) expect(BigInt.asIntN(64, key)).toBe(key);
  });

  it('splits into the classid/objid pair pg_locks shows', () => {
    const ids = leaseLockIds(-2318204394330721333n);
    expect(ids).toEqual({ classid: '3755218274', objid: '3207263179' });
    expect((BigInt(ids.classid) << 32n) | BigInt(ids.objid)).toBe(BigInt.asUintN(64, -2318204394330721333n));
  });
});
