/**
 * A reader for the Prometheus text exposition format, enough for our own services' /metrics: samples with
 * their labels, comments and metadata skipped. prom-client writes it; nothing here needs the full grammar
 * (no timestamps, no exemplars are ever emitted by the services).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = samplePattern.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(labelPattern)) {
      labels[label[1] as string] = unescapeLabel(label[2] as string);
    }
    samples.push({ name: match[1] as string, labels, value: parseValue(match[3] as string) });
  }
  return samples;
}

/** Sum of every sample of a metric (over label sets and over scraped instances). */
export function sumOf(samples: readonly Sample[], name: string): number | null {
  const matching = samples.filter((sample) => sample.name === name);
  return matching.length === 0 ? null : matching.reduce((total, sample) => total + sample.value, 0);
}

/** A histogram's cumulative buckets `[upper bound, count]`, summed over instances, sorted by bound. */
export type Buckets = [number, number][];

export function histogramBuckets(samples: readonly Sample[], name: string): Buckets {
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket` || sample.labels.le === undefined) continue;
    const bound = parseValue(sample.labels.le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  return [...buckets].sort(([a], [b]) => a - b);
}

/**
 * What was observed between two readings of the same histogram. A count that went down means the instance
 * restarted (its counters began again): the newer reading is then the whole difference.
 */
export function bucketsSince(earlier: Buckets, later: Buckets): Buckets {
  const before = new Map(earlier);
  const reset = later.some(([bound, count]) => count < (before.get(bound) ?? 0));
  return reset ? later : later.map(([bound, count]) => [bound, count - (before.get(bound) ?? 0)]);
}

/**
 * A quantile from cumulative buckets, with linear interpolation inside the bucket as PromQL's
 * histogram_quantile does. Null when nothing was observed.
 */
export function bucketQuantile(sorted: Buckets, quantile: number): number | null {
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = quantile * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      // Above the highest finite bucket PromQL answers that bound: the histogram knows nothing more precise.
      if (bound === Number.POSITIVE_INFINITY) return previousBound;
      const inBucket = count - previousCount;
      return inBucket === 0
        ? bound
        : previousBound + (bound - previousBound) * ((rank - previousCount) / inBucket);
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

/** A quantile of a Prometheus histogram over everything it observed (since its instances started). */
export function histogramQuantile(samples: readonly Sample[], name: string, quantile: number): number | null {
  return bucketQuantile(histogramBuckets(samples, name), quantile);
}
