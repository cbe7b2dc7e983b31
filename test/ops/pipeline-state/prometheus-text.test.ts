import { describe, expect, it } from 'vitest';
import {
  histogramQuantile,
  parsePrometheusText,
  sumOf,
} from '../../../services/ops/pipeline-state/prometheus-text.ts';

const exposition = `# HELP cdc_sink_commit_to_raw_seconds From the source commit to the raw row.
# TYPE cdc_sink_commit_to_raw_seconds histogram
cdc_sink_commit_to_raw_seconds_bucket{le="0.05"} 10
cdc_sink_commit_to_raw_seconds_bucket{le="0.1"} 60
cdc_sink_commit_to_raw_seconds_bucket{le="0.25"} 90
cdc_sink_commit_to_raw_seconds_bucket{le="+Inf"} 100
cdc_sink_commit_to_raw_seconds_sum 9.5
cdc_sink_commit_to_raw_seconds_count 100
cdc_reader_changes_total{table="partners",op="c"} 7
cdc_reader_changes_total{table="we \\"quote\\"",op="u"} 3
`;

describe('Prometheus text', () => {
  it('parses samples with labels, escapes and infinities', () => {
    const samples = parsePrometheusText(exposition);
    expect(samples).toHaveLength(8);
    expect(samples.find((sample) => sample.labels.op === 'u')?.labels.table).toBe('we "quote"');
    expect(samples.find((sample) => sample.labels.le === '+Inf')?.value).toBe(100);
    expect(sumOf(samples, 'cdc_reader_changes_total')).toBe(10);
    expect(sumOf(samples, 'cdc_missing_total')).toBeNull();
  });

  it('computes quantiles as PromQL histogram_quantile does (linear within the bucket)', () => {
    const samples = parsePrometheusText(exposition);
    // rank 50 lies in (0.05, 0.1] holding 50 observations, 40 of them below the rank: 0.05 + 0.05 * 40/50.
    expect(histogramQuantile(samples, 'cdc_sink_commit_to_raw_seconds', 0.5)).toBeCloseTo(0.09, 10);
    // rank 95 lies in (0.25, +Inf]: the highest finite bound.
    expect(histogramQuantile(samples, 'cdc_sink_commit_to_raw_seconds', 0.95)).toBe(0.25);
    // Two instances add up bucket by bucket.
    const twice = [...samples, ...samples];
    expect(histogramQuantile(twice, 'cdc_sink_commit_to_raw_seconds', 0.5)).toBeCloseTo(0.09, 10);
  });

  it('says null when nothing was observed', () => {
    const empty = parsePrometheusText('cdc_sink_commit_to_raw_seconds_bucket{le="+Inf"} 0\n');
    expect(histogramQuantile(empty, 'cdc_sink_commit_to_raw_seconds', 0.99)).toBeNull();
  });
});
