/**
 * Every commit-to-raw latency of a step, kept exactly (a Float64Array that doubles as it fills: eight bytes a
 * change, so a step of a million changes costs 8 MB in the heap-capped sink process), and its percentiles.
 */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  add(latenciesMs: readonly number[]): void {
    if (this.count + latenciesMs.length > this.values.length) {
      let size = this.values.length * 2;
      while (size < this.count + latenciesMs.length) size *= 2;
      const grown = new Float64Array(size);
      grown.set(this.values.subarray(0, this.count));
      this.values = grown;
    }
    for (const latency of latenciesMs) this.values[this.count++] = latency;
  }

  clear(): void {
    this.count = 0;
    if (this.values.length > 1 << 20) this.values = new Float64Array(1 << 16);
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.count).sort();
    // Nearest rank: the smallest value with at least q of the changes at or below it.
    const at = (q: number) => sorted[Math.max(0, Math.ceil(q * this.count) - 1)] ?? 0;
    let sum = 0;
    for (const value of sorted) sum += value;
    return {
      count: this.count,
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      max: at(1),
      mean: this.count > 0 ? sum / this.count : 0,
    };
  }
}
