/**
 * The rows the workload knows to exist, by key, with O(1) add, remove and pick-by-number. Picks are plain numbers
 * from the plan, so the same plan against the same starting rows touches the same rows.
 */
export class KeyedPool<T> {
  private readonly keys: string[] = [];
  private readonly values: T[] = [];
  private readonly indexByKey = new Map<string, number>();

  get size(): number {
    return this.keys.length;
  }

  add(key: string, value: T): void {
    const existing = this.indexByKey.get(key);
    if (existing !== undefined) {
      this.values[existing] = value;
      return;
    }
    this.indexByKey.set(key, this.keys.length);
    this.keys.push(key);
    this.values.push(value);
  }

  /** Swap-remove: order is not meaningful, only membership. */
  remove(key: string): boolean {
    const index = this.indexByKey.get(key);
    if (index === undefined) return false;
    const lastIndex = this.keys.length - 1;
    const lastKey = this.keys[lastIndex] as string;
    this.keys[index] = lastKey;
    this.values[index] = this.values[lastIndex] as T;
    this.indexByKey.set(lastKey, index);
    this.keys.pop();
    this.values.pop();
    this.indexByKey.delete(key);
    return true;
  }

  get(key: string): T | undefined {
    const index = this.indexByKey.get(key);
    return index === undefined ? undefined : this.values[index];
  }

  has(key: string): boolean {
    return this.indexByKey.has(key);
  }

  /** The entry a plan's pick number designates, or undefined when the pool is empty. */
  pick(pick: number): { key: string; value: T } | undefined {
    if (this.keys.length === 0) return undefined;
    const index = pick % this.keys.length;
    return { key: this.keys[index] as string, value: this.values[index] as T };
  }

  entries(): IterableIterator<[string, T]> {
    const keys = this.keys;
    const values = this.values;
    return (function* () {
      for (let i = 0; i < keys.length; i++) yield [keys[i] as string, values[i] as T] as [string, T];
    })();
  }

  clear(): void {
    this.keys.length = 0;
    this.values.length = 0;
    this.indexByKey.clear();
  }
}
