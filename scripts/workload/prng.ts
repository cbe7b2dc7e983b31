/**
 * A small seeded pseudo-random generator, so a seed reproduces the same data and the same workload plan on any
 * machine and Node version (Math.random cannot be seeded). Not for anything security-related.
 */

/** splitmix32 finaliser: spreads nearby seeds (1, 2, 3...) into unrelated generator states. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = mix32(seed >>> 0);
  }

  /** mulberry32: 32 bits of state is plenty for test data and passes the usual statistical smoke tests. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks a key with probability proportional to its weight; zero weights are never picked. */
  weighted<K>(entries: readonly (readonly [K, number])[]): K {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    if (total <= 0) throw new RangeError('weights must add up to more than zero');
    let target = this.next() * total;
    for (const [key, weight] of entries) {
      if (weight <= 0) continue;
      target -= weight;
      if (target < 0) return key;
    }
    // Floating-point leftovers land on the last positive weight.
    const last = entries.filter(([, weight]) => weight > 0).at(-1);
    return (last as readonly [K, number])[0];
  }

  /** A version-4 UUID drawn from this generator, so seeded rows get reproducible keys. */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () => this.u32().toString(16).padStart(8, '0')).join('');
    const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** An independent generator for a sub-task, so adding draws in one task does not shift another's sequence. */
  fork(stream: number): Prng {
    return new Prng(mix32(this.state ^ mix32(stream)));
  }
}
