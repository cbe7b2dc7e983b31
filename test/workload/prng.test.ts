import { describe, expect, it } from 'vitest';
import { Prng } from '../../scripts/workload/prng.ts';

const draws = (rng: Prng, n: number) => Array.from({ length: n }, () => rng.u32());

describe('Prng', () => {
  it('replays the same sequence for the same seed', () => {
    expect(draws(new Prng(42), 1000)).toEqual(draws(new Prng(42), 1000));
  });

  it('is pinned: changing the generator would silently change every seeded data set', () => {
    expect(draws(new Prng(42), 3)).toEqual([763744907, 2711839145, 2121928412]);
    expect(new Prng(42).uuid()).toBe('2d85d28b-a1a3-41a9-be7a-0edce016bf41');
  });

  it('gives unrelated sequences for adjacent seeds', () => {
    const a = draws(new Prng(1), 100);
    const b = draws(new Prng(2), 100);
    expect(a.filter((value, i) => value === b[i])).toHaveLength(0);
  });

  it('keeps next() in [0, 1) and int() within its inclusive bounds, reaching both ends', () => {
    const rng = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const n = rng.int(3, 6);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(6);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('picks by weight, never a zero weight', () => {
    const rng = new Prng(3);
    const counts = { a: 0, b: 0, never: 0 };
    for (let i = 0; i < 10_000; i++) {
      counts[
        rng.weighted([
          ['a', 3],
          ['never', 0],
          ['b', 1],
        ] as const)
      ] += 1;
    }
    expect(counts.never).toBe(0);
    expect(counts.a / 10_000).toBeGreaterThan(0.72);
    expect(counts.a / 10_000).toBeLessThan(0.78);
  });

  it('rejects impossible choices instead of returning garbage', () => {
    expect(() => new Prng(1).pick([])).toThrow(RangeError);
    expect(() => new Prng(1).weighted([['a', 0]])).toThrow(RangeError);
  });

  it('draws well-formed, distinct version-4 UUIDs', () => {
    const rng = new Prng(11);
    const ids = Array.from({ length: 5000 }, () => rng.uuid());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('forks independent streams without advancing the parent', () => {
    const parent = new Prng(5);
    const first = draws(parent.fork(1), 20);
    const again = draws(parent.fork(1), 20);
    const other = draws(parent.fork(2), 20);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(draws(parent, 5)).toEqual(draws(new Prng(5), 5));
  });
});
