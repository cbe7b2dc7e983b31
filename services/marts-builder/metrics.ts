/** The marts builder's metrics: last success, build duration, outcomes, watermark. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createBuilderMetrics(registry: Registry) {
  const registers = [registry];
  return {
    lastSuccess: new Gauge({
      name: 'cdc_marts_last_success_timestamp_seconds',
      help: 'When the last successful marts build finished (Unix time).',
      registers,
    }),
    watermark: new Gauge({
      name: 'cdc_marts_watermark_timestamp_seconds',
      help: 'The consistent watermark the last successful build used (Unix time): marts are complete up to it.',
      registers,
    }),
    buildSeconds: new Histogram({
      name: 'cdc_marts_build_seconds',
      help: 'Duration of one marts build (dbt build), whatever its outcome.',
      buckets: [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600],
      registers,
    }),
    runs: new Counter({
      name: 'cdc_marts_runs_total',
      help: 'Marts builds by outcome: success, failed, skipped (nothing applied yet, or another replica building).',
      labelNames: ['status'] as const,
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: 'cdc_marts_consecutive_failures',
      help: 'Failed builds since the last success (the builder backs off while this grows).',
      registers,
    }),
  };
}

export type BuilderMetrics = ReturnType<typeof createBuilderMetrics>;
