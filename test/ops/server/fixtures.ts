/** PipelineStates for the ops server's tests: a small pipeline (two topics, three partitions) at step `n`. */
import type { PipelineState } from '../../../services/ops/pipeline-state/state.ts';
import type { StateSource } from '../../../services/ops/server/sampler.ts';

export function pipelineState(
  step: number,
  at: Date = new Date(Date.UTC(2026, 8, 1, 12, 0, 5 * step)),
): PipelineState {
  const lag = (base: number) => base + 100 * step;
  return {
    at: at.toISOString(),
    level: step % 2 === 0 ? 'ok' : 'warn',
    checks: [
      { id: 'reader.streaming', level: 'ok', summary: 'the reader streams' },
      step % 2 === 0
        ? { id: 'slot.lag', level: 'ok', summary: 'slot lag is small' }
        : {
            id: 'slot.lag',
            level: 'warn',
            summary: 'slot retains 1.2 GiB of WAL',
            hint: 'is the reader keeping up?',
          },
    ],
    reader: {
      slot: {
        name: 'cdc_reader',
        exists: true,
        active: true,
        confirmedLsn: '0/16B3748',
        currentLsn: '0/16B9000',
        lagBytes: 1_536 * (step + 1),
        lagSeconds: 2 + step,
        walStatus: 'reserved',
      },
      reachable: true,
      streaming: true,
      snapshots: [
        {
          table: 'public.partners',
          status: 'running',
          progress: 0.25,
          rows: 1_200,
          updatedAt: at.toISOString(),
        },
      ],
      pausedTables: [],
    },
    consumers: [
      {
        groupId: 'cdc-raw-sink',
        groupState: 'Stable',
        members: 1,
        partitions: [
          {
            topic: 'core.public.clicks',
            partition: 0,
            cursor: 5_000,
            kafkaCommitted: 5_000,
            startOffset: 0,
            endOffset: 5_000 + lag(1_000),
            lagMessages: lag(1_000),
            lagSeconds: 3 + step,
          },
          {
            topic: 'core.public.clicks',
            partition: 1,
            cursor: 7_000,
            kafkaCommitted: 7_000,
            startOffset: 0,
            endOffset: 7_000 + lag(234),
            lagMessages: lag(234),
            lagSeconds: 1 + step,
          },
          {
            topic: 'core.public.partners',
            partition: 0,
            cursor: 12,
            kafkaCommitted: null,
            startOffset: 0,
            endOffset: 12,
            lagMessages: 0,
            lagSeconds: 0,
          },
        ],
        lagMessages: lag(1_000) + lag(234),
        lagSeconds: 3 + step,
      },
    ],
    dlq: [
      { topic: 'core.public.clicks.dlq', sourceTopic: 'core.public.clicks', messages: 4 + step, pending: 2 },
    ],
    pausedTables: [],
    repairs: [],
    marts: {
      lastSuccessAt: at.toISOString(),
      watermark: at.toISOString(),
      freshnessSeconds: 95 + step,
      lastRun: { status: 'success', startedAt: at.toISOString(), finishedAt: at.toISOString(), error: null },
      consecutiveFailures: 0,
    },
    latency: { p50: 0.2, p95: 0.9, p99: 1.5 + step / 10 },
    counters: {
      readerChanges: 10_000 + 500 * step,
      topicMessages: 20_000 + 500 * step,
      sinkMessages: 19_000 + 400 * step,
      deadLetters: 4 + step,
      // Each step the sinks apply 100 more changes: 50 within 0.25 s, 45 within 1 s, 5 within 2.5 s.
      commitToRawBuckets: [
        [0.25, 50 * (step + 1)],
        [1, 95 * (step + 1)],
        [2.5, 100 * (step + 1)],
        [Number.POSITIVE_INFINITY, 100 * (step + 1)],
      ],
    },
    errors: [],
  };
}

/**
 * A StateSource that serves `pipelineState(0)`, `pipelineState(1)`, ... one per collect (stamped with the
 * current time when `live`), failing the collects whose index is in `failAt`.
 */
export function scriptedSource(
  options: { live?: boolean; failAt?: number[] } = {},
): StateSource & { collects: number } {
  const source = {
    collects: 0,
    async collect(): Promise<PipelineState> {
      const index = source.collects;
      source.collects += 1;
      if (options.failAt?.includes(index)) throw new Error(`scripted failure at collect ${index}`);
      return pipelineState(index, options.live ? new Date() : undefined);
    },
  };
  return source;
}
