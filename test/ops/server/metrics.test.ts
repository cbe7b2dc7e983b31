import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { PipelineState } from '../../../services/ops/pipeline-state/state.ts';
import { OpsMetrics, opsMetricNames } from '../../../services/ops/server/metrics.ts';
import { pipelineState } from './fixtures.ts';

function setUp() {
  const registry = new Registry();
  const metrics = new OpsMetrics({
    registry,
    topicOfTable: (table) => (table === 'clicks' ? 'core.public.clicks' : undefined),
  });
  return { registry, metrics };
}

/** The exposition's sample lines (no HELP/TYPE), for exact comparisons. */
async function seriesOf(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .sort();
}

describe('ops metrics', () => {
  it('keeps the metric names other teams write rules and panels against', () => {
    expect(Object.values(opsMetricNames).sort()).toEqual([
      'cdc_ops_check_level',
      'cdc_ops_consumer_lag_messages',
      'cdc_ops_consumer_lag_seconds',
      'cdc_ops_dlq_messages',
      'cdc_ops_marts_freshness_seconds',
      'cdc_ops_slot_active',
      'cdc_ops_slot_lag_bytes',
      'cdc_ops_source_up',
      'cdc_ops_table_paused',
    ]);
  });

  it('exports nothing before the first state', async () => {
    const { registry } = setUp();
    for (const name of Object.values(opsMetricNames))
      expect(await seriesOf(registry, name), name).toEqual([]);
  });

  it('exports the latest state', async () => {
    const { registry, metrics } = setUp();
    metrics.update(pipelineState(1));
    expect(await seriesOf(registry, opsMetricNames.consumerLagMessages)).toEqual([
      'cdc_ops_consumer_lag_messages{group="cdc-raw-sink",topic="core.public.clicks",partition="0"} 1100',
      'cdc_ops_consumer_lag_messages{group="cdc-raw-sink",topic="core.public.clicks",partition="1"} 334',
      'cdc_ops_consumer_lag_messages{group="cdc-raw-sink",topic="core.public.partners",partition="0"} 0',
    ]);
    expect(await seriesOf(registry, opsMetricNames.consumerLagSeconds)).toContain(
      'cdc_ops_consumer_lag_seconds{group="cdc-raw-sink",topic="core.public.clicks",partition="0"} 4',
    );
    expect(await seriesOf(registry, opsMetricNames.slotLagBytes)).toEqual([
      'cdc_ops_slot_lag_bytes{slot="cdc_reader"} 3072',
    ]);
    expect(await seriesOf(registry, opsMetricNames.slotActive)).toEqual([
      'cdc_ops_slot_active{slot="cdc_reader"} 1',
    ]);
    expect(await seriesOf(registry, opsMetricNames.dlqMessages)).toEqual([
      'cdc_ops_dlq_messages{topic="core.public.clicks.dlq"} 5',
    ]);
    expect(await seriesOf(registry, opsMetricNames.martsFreshnessSeconds)).toEqual([
      'cdc_ops_marts_freshness_seconds 96',
    ]);
    expect(await seriesOf(registry, opsMetricNames.tablePaused)).toEqual([
      'cdc_ops_table_paused{topic="core.public.clicks"} 0',
      'cdc_ops_table_paused{topic="core.public.partners"} 0',
    ]);
    expect(await seriesOf(registry, opsMetricNames.checkLevel)).toEqual([
      'cdc_ops_check_level{check="reader.streaming"} 0',
      'cdc_ops_check_level{check="slot.lag"} 1',
    ]);
    expect(await seriesOf(registry, opsMetricNames.sourceUp)).toEqual(
      ['analytics', 'core', 'kafka', 'marts', 'reader', 'sink'].map(
        (source) => `cdc_ops_source_up{source="${source}"} 1`,
      ),
    );
  });

  it('removes series whose labels disappeared and does not export unknown values', async () => {
    const { registry, metrics } = setUp();
    metrics.update(pipelineState(0));
    const before = pipelineState(2);
    const [group] = before.consumers;
    if (!group) throw new Error('fixture has a group');
    const after: PipelineState = {
      ...before,
      reader: {
        ...before.reader,
        slot: { ...before.reader.slot, exists: false, active: true, lagBytes: null },
        pausedTables: ['clicks', 'not-a-connector'],
      },
      consumers: [
        {
          ...group,
          partitions: group.partitions
            .filter((partition) => partition.topic === 'core.public.clicks')
            .map((partition) => ({
              ...partition,
              lagSeconds: partition.partition === 1 ? null : partition.lagSeconds,
            })),
        },
      ],
      dlq: [],
      pausedTables: [
        { topic: 'core.public.orders', rawTable: 'orders', reason: 'incompatible', since: before.at },
      ],
      checks: [{ id: 'reader.streaming', level: 'fail', summary: 'the reader is down' }],
      marts: { ...before.marts, freshnessSeconds: null },
      errors: [
        { source: 'kafka', message: 'broker unavailable' },
        { source: 'reader', message: 'connection refused' },
      ],
    };
    metrics.update(after);
    expect(await seriesOf(registry, opsMetricNames.consumerLagMessages)).toHaveLength(2);
    expect(await seriesOf(registry, opsMetricNames.consumerLagSeconds)).toEqual([
      'cdc_ops_consumer_lag_seconds{group="cdc-raw-sink",topic="core.public.clicks",partition="0"} 5',
    ]);
    expect(await seriesOf(registry, opsMetricNames.slotLagBytes)).toEqual([]);
    expect(await seriesOf(registry, opsMetricNames.slotActive)).toEqual([
      'cdc_ops_slot_active{slot="cdc_reader"} 0',
    ]);
    expect(await seriesOf(registry, opsMetricNames.dlqMessages)).toEqual([]);
    expect(await seriesOf(registry, opsMetricNames.martsFreshnessSeconds)).toEqual([]);
    expect(await seriesOf(registry, opsMetricNames.tablePaused)).toEqual([
      'cdc_ops_table_paused{topic="core.public.clicks"} 1',
      'cdc_ops_table_paused{topic="core.public.orders"} 1',
    ]);
    expect(await seriesOf(registry, opsMetricNames.checkLevel)).toEqual([
      'cdc_ops_check_level{check="reader.streaming"} 2',
    ]);
    const sources = await seriesOf(registry, opsMetricNames.sourceUp);
    expect(sources).toContain('cdc_ops_source_up{source="kafka"} 0');
    expect(sources).toContain('cdc_ops_source_up{source="reader"} 0');
    expect(sources).toContain('cdc_ops_source_up{source="core"} 1');

    metrics.update(pipelineState(3));
    expect(await seriesOf(registry, opsMetricNames.martsFreshnessSeconds)).toEqual([
      'cdc_ops_marts_freshness_seconds 98',
    ]);
    expect(await seriesOf(registry, opsMetricNames.consumerLagMessages)).toHaveLength(3);
  });
});
