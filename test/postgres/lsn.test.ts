import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../lib/errors/index.ts';
import {
  compareLsn,
  formatLsn,
  isLsn,
  lsnDistance,
  maxLsn,
  maxLsnValue,
  parseLsn,
} from '../../lib/postgres/index.ts';
import { Prng } from '../../scripts/workload/prng.ts';

/** A random LSN over the whole 64-bit range, biased towards the edges where halves carry over. */
function randomLsn(rng: Prng): bigint {
  const half = () => BigInt(rng.pick([0, 1, 0xffff_ffff, 0x8000_0000, rng.u32(), rng.u32(), rng.u32()]));
  return (half() << 32n) | half();
}

describe('LSN text form', () => {
  it('reads and writes the form PostgreSQL uses', () => {
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(0x16b3748n)).toBe('0/16B3748');
    expect(formatLsn(0n)).toBe('0/0');
    expect(formatLsn(maxLsnValue)).toBe('FFFFFFFF/FFFFFFFF');
  });

  it('accepts the zero-padded, lower-case form other tools print', () => {
    expect(parseLsn('00000000/016b3748')).toBe(0x16b3748n);
    expect(parseLsn(' 1/0 ')).toBe(1n << 32n);
  });

  it.each(['', '0', '/1', '1/', '0x1/2', '1/2/3', 'G/1', '123456789/0', '0/123456789', '-1/0', '1 /0'])(
    'rejects %j with a clear error',
    (text) => {
      expect(() => parseLsn(text)).toThrow(PipelineError);
      expect(() => parseLsn(text)).toThrow(/not a WAL position/);
    },
  );

  it('refuses to format what is not an LSN', () => {
    expect(() => formatLsn(-1n)).toThrow(/out of range/);
    expect(() => formatLsn(maxLsnValue + 1n)).toThrow(/out of range/);
    expect(isLsn(5)).toBe(false);
  });

  it('property: format then parse is the identity over the whole range', () => {
    const rng = new Prng(20261121);
    for (let i = 0; i < 5_000; i++) {
      const lsn = randomLsn(rng);
      const text = formatLsn(lsn);
      expect(text).toMatch(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/);
      expect(parseLsn(text)).toBe(lsn);
      expect(parseLsn(text.toLowerCase())).toBe(lsn);
    }
  });

  it('property: numeric order matches PostgreSQL order of (high, low) halves', () => {
    const rng = new Prng(7);
    for (let i = 0; i < 5_000; i++) {
      const a = randomLsn(rng);
      const b = randomLsn(rng);
      const [ah = '', al = ''] = formatLsn(a).split('/');
      const [bh = '', bl = ''] = formatLsn(b).split('/');
      const byHalves = Math.sign(
        Number.parseInt(ah, 16) - Number.parseInt(bh, 16) ||
          Number.parseInt(al, 16) - Number.parseInt(bl, 16),
      );
      expect(compareLsn(a, b)).toBe(byHalves);
      expect(compareLsn(b, a)).toBe(-byHalves || 0);
      expect(maxLsn(a, b)).toBe(byHalves >= 0 ? a : b);
      expect(lsnDistance(a, b)).toBe(byHalves < 0 ? b - a : 0n);
    }
  });

  it('max ignores unknown positions', () => {
    expect(maxLsn()).toBeUndefined();
    expect(maxLsn(undefined, 3n, undefined, 2n)).toBe(3n);
  });
});
