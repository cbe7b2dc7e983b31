import { describe, expect, it } from 'vitest';
import { evaluateHealth, worstLevel } from '../../../services/ops/pipeline-state/health.ts';
import type { PipelineState } from '../../../services/ops/pipeline-state/state.ts';

const thresholds = {
  slotLagBytes: { warn: 1024 ** 3, fail: 10 * 1024 ** 3 },
  consumerLagSeconds: { warn: 300, fail: 1800 },
  martsFreshnessSeconds: { warn: 1800, fail: 7200 },
  scrape: { reader: [], sink: [], marts: [] },
  sampleSeconds: 5,
};

function facts(
  overrides: Partial<Omit<PipelineState, 'level' | 'checks'>> = {},
): Omit<PipelineState, 'level' | 'checks'> {
  return {
    at: '2026-11-22T12:00:00.000Z',
    reader: {
      slot: {
        name: 'cdc_reader',
        exists: true,
        active: true,
        confirmedLsn: '0/1',
        currentLsn: '0/2',
        lagBytes: 1,
        lagSeconds: 0.1,
        walStatus: 'reserved',
      },
      reachable: true,
      streaming: true,
      snapshots: [],
      pausedTables: [],
    },
    consumers: [
      {
        groupId: 'cdc-raw-sink',
        groupState: 'Stable',
        members: 1,
        partitions: [
          {
            topic: 't',
            partition: 0,
            cursor: 10,
            kafkaCommitted: 10,
            startOffset: 0,
            endOffset: 10,
            lagMessages: 0,
            lagSeconds: 0,
          },
        ],
        lagMessages: 0,
        lagSeconds: 0,
      },
    ],
    dlq: [{ topic: 't.dlq', sourceTopic: 't', messages: 2, pending: 0 }],
    pausedTables: [],
    repairs: [],
    marts: {
      lastSuccessAt: '2026-11-22T11:59:00.000Z',
      watermark: '2026-11-22T11:58:00.000Z',
      freshnessSeconds: 120,
      lastRun: null,
      consecutiveFailures: 0,
    },
    latency: { p50: 0.05, p95: 0.1, p99: 0.25 },
    counters: {
      readerChanges: 1,
      topicMessages: 10,
      sinkMessages: 10,
      deadLetters: 2,
      commitToRawBuckets: null,
    },
    errors: [],
    ...overrides,
  };
}

const level = (state: ReturnType<typeof facts>, id: string) =>
  evaluateHealth(state, thresholds).find((check) => check.id === id)?.level;

describe('health checks', () => {
  it('are all ok on a healthy pipeline (replayed dead letters do not count)', () => {
    const checks = evaluateHealth(facts(), thresholds);
    expect(checks.filter((check) => check.level !== 'ok')).toEqual([]);
    expect(worstLevel(checks)).toBe('ok');
  });

  it('fail when no reader streams the slot, or it is missing or lost', () => {
    const base = facts();
    expect(
      level(
        facts({ reader: { ...base.reader, slot: { ...base.reader.slot, active: false } } }),
        'reader.streaming',
      ),
    ).toBe('fail');
    expect(
      level(
        facts({ reader: { ...base.reader, slot: { ...base.reader.slot, exists: false } } }),
        'reader.streaming',
      ),
    ).toBe('fail');
    expect(
      level(
        facts({ reader: { ...base.reader, slot: { ...base.reader.slot, walStatus: 'lost' } } }),
        'reader.streaming',
      ),
    ).toBe('fail');
  });

  it('grade slot lag and consumer lag by their thresholds', () => {
    const base = facts();
    const slotLag = (bytes: number) =>
      facts({ reader: { ...base.reader, slot: { ...base.reader.slot, lagBytes: bytes } } });
    expect(level(slotLag(1024 ** 3), 'slot.lag')).toBe('ok');
    expect(level(slotLag(1024 ** 3 + 1), 'slot.lag')).toBe('warn');
    expect(level(slotLag(11 * 1024 ** 3), 'slot.lag')).toBe('fail');
    const group = base.consumers[0] as PipelineState['consumers'][number];
    const lag = (seconds: number, members = 1) =>
      facts({ consumers: [{ ...group, lagMessages: 5, lagSeconds: seconds, members }] });
    expect(level(lag(300), 'consumer.cdc-raw-sink')).toBe('ok');
    expect(level(lag(301), 'consumer.cdc-raw-sink')).toBe('warn');
    expect(level(lag(1801), 'consumer.cdc-raw-sink')).toBe('fail');
    expect(level(lag(0, 0), 'consumer.cdc-raw-sink')).toBe('fail');
  });

  it('warn on pending dead letters, fail on paused tables, grade marts freshness', () => {
    expect(
      level(facts({ dlq: [{ topic: 't.dlq', sourceTopic: 't', messages: 3, pending: 1 }] }), 'dlq.pending'),
    ).toBe('warn');
    expect(
      level(
        facts({ pausedTables: [{ topic: 't', rawTable: 't', reason: 'r', since: '' }] }),
        'tables.paused',
      ),
    ).toBe('fail');
    const marts = facts().marts;
    expect(level(facts({ marts: { ...marts, freshnessSeconds: 1801 } }), 'marts.freshness')).toBe('warn');
    expect(level(facts({ marts: { ...marts, freshnessSeconds: 7201 } }), 'marts.freshness')).toBe('fail');
    expect(level(facts({ marts: { ...marts, consecutiveFailures: 1 } }), 'marts.freshness')).toBe('warn');
  });

  it('count rows waiting for a repair from core, and warn once they have waited ten minutes', () => {
    const waiting = (oldestSeconds: number) =>
      facts({ repairs: [{ rawTable: 'docs', rows: 3, oldestSeconds, requests: 2 }] });
    expect(level(facts(), 'repairs.pending')).toBe('ok');
    expect(level(waiting(30), 'repairs.pending')).toBe('ok');
    expect(
      evaluateHealth(waiting(30), thresholds).find((check) => check.id === 'repairs.pending')?.summary,
    ).toMatch(/3 row\(s\) waiting .*docs \(3\)/);
    expect(level(waiting(601), 'repairs.pending')).toBe('warn');
  });

  it('fail when a source of truth cannot be read, warn when a service metrics endpoint cannot', () => {
    const checks = evaluateHealth(
      facts({
        errors: [
          { source: 'kafka', message: 'down' },
          { source: 'sink', message: 'refused' },
        ],
      }),
      thresholds,
    );
    expect(checks.find((check) => check.id === 'source.kafka')?.level).toBe('fail');
    expect(checks.find((check) => check.id === 'metrics.sink')?.level).toBe('warn');
  });
});
