/**
 * The latest PipelineState as Prometheus gauges. The names are a contract: alert rules and Grafana panels
 * (k8s/) are written against them. Unknown values (null) are not exported at all, so a panel shows a gap and
 * an `absent()` alert fires, instead of a reassuring 0; series whose labels disappear (a partition, a DLQ
 * topic, a check) are removed at the next update.
 */
import { Gauge, type Registry } from 'prom-client';
import type { CheckLevel, PipelineState } from '../pipeline-state/state.ts';

export const opsMetricNames = {
  consumerLagMessages: 'cdc_ops_consumer_lag_messages',
  consumerLagSeconds: 'cdc_ops_consumer_lag_seconds',
  slotLagBytes: 'cdc_ops_slot_lag_bytes',
  slotActive: 'cdc_ops_slot_active',
  dlqMessages: 'cdc_ops_dlq_messages',
  martsFreshnessSeconds: 'cdc_ops_marts_freshness_seconds',
  tablePaused: 'cdc_ops_table_paused',
  checkLevel: 'cdc_ops_check_level',
  sourceUp: 'cdc_ops_source_up',
} as const;

/** The sources of truth the collector reads; each gets a cdc_ops_source_up series. */
export const opsSources = ['core', 'kafka', 'analytics', 'reader', 'sink', 'marts'] as const;

export const checkLevelValues: Record<CheckLevel, number> = { ok: 0, warn: 1, fail: 2 };

type Labels = Record<string, string | number>;
interface Series {
  labels: Labels;
  value: number | null;
}

export interface OpsMetricsOptions {
  registry: Registry;
  /** Maps a table the reader paused (a connector name) to its topic; tables it cannot map are skipped. */
  topicOfTable?: (table: string) => string | undefined;
}

export class OpsMetrics {
  readonly #topicOfTable: (table: string) => string | undefined;
  readonly #consumerLagMessages: Gauge;
  readonly #consumerLagSeconds: Gauge;
  readonly #slotLagBytes: Gauge;
  readonly #slotActive: Gauge;
  readonly #dlqMessages: Gauge;
  readonly #martsFreshnessSeconds: Gauge;
  readonly #tablePaused: Gauge;
  readonly #checkLevel: Gauge;
  readonly #sourceUp: Gauge;

  constructor(options: OpsMetricsOptions) {
    const registers = [options.registry];
    const gauge = (name: string, help: string, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers });
    this.#topicOfTable = options.topicOfTable ?? (() => undefined);
    this.#consumerLagMessages = gauge(
      opsMetricNames.consumerLagMessages,
      'Messages in Kafka not yet applied by the consumer group (end offset minus its cursor).',
      ['group', 'topic', 'partition'],
    );
    this.#consumerLagSeconds = gauge(
      opsMetricNames.consumerLagSeconds,
      'Age of the oldest message not yet applied by the consumer group; 0 when caught up.',
      ['group', 'topic', 'partition'],
    );
    this.#slotLagBytes = gauge(
      opsMetricNames.slotLagBytes,
      'WAL retained for the replication slot: current LSN minus the confirmed LSN, in bytes.',
      ['slot'],
    );
    this.#slotActive = gauge(
      opsMetricNames.slotActive,
      '1 when a reader streams from the replication slot; 0 when inactive or missing.',
      ['slot'],
    );
    this.#dlqMessages = gauge(opsMetricNames.dlqMessages, 'Messages held in a dead-letter topic.', ['topic']);
    this.#martsFreshnessSeconds = gauge(
      opsMetricNames.martsFreshnessSeconds,
      'Seconds between now and the watermark of the last successful marts build.',
    );
    this.#tablePaused = gauge(
      opsMetricNames.tablePaused,
      '1 when a captured table is paused (an incompatible schema change); 0 for the other known topics.',
      ['topic'],
    );
    this.#checkLevel = gauge(opsMetricNames.checkLevel, 'Verdict of a health check: 0 ok, 1 warn, 2 fail.', [
      'check',
    ]);
    this.#sourceUp = gauge(
      opsMetricNames.sourceUp,
      '1 when the last state collect could read the source, 0 when it could not.',
      ['source'],
    );
    // An unlabelled gauge starts at 0: nothing is known before the first update.
    this.#martsFreshnessSeconds.remove();
  }

  update(state: PipelineState): void {
    const partitions = state.consumers.flatMap((group) =>
      group.partitions.map((partition) => ({ group: group.groupId, partition })),
    );
    replaceSeries(
      this.#consumerLagMessages,
      partitions.map(({ group, partition }) => ({
        labels: { group, topic: partition.topic, partition: partition.partition },
        value: partition.lagMessages,
      })),
    );
    replaceSeries(
      this.#consumerLagSeconds,
      partitions.map(({ group, partition }) => ({
        labels: { group, topic: partition.topic, partition: partition.partition },
        value: partition.lagSeconds,
      })),
    );
    const slot = state.reader.slot;
    replaceSeries(this.#slotLagBytes, [{ labels: { slot: slot.name }, value: slot.lagBytes }]);
    replaceSeries(this.#slotActive, [
      { labels: { slot: slot.name }, value: slot.exists && slot.active ? 1 : 0 },
    ]);
    replaceSeries(
      this.#dlqMessages,
      state.dlq.map((dlq) => ({ labels: { topic: dlq.topic }, value: dlq.messages })),
    );
    replaceSeries(this.#tablePaused, this.#pausedSeries(state));
    replaceSeries(
      this.#checkLevel,
      state.checks.map((check) => ({ labels: { check: check.id }, value: checkLevelValues[check.level] })),
    );
    replaceSeries(this.#sourceUp, sourceUpSeries(state));
    if (state.marts.freshnessSeconds === null) this.#martsFreshnessSeconds.remove();
    else this.#martsFreshnessSeconds.set(state.marts.freshnessSeconds);
  }

  #pausedSeries(state: PipelineState): Series[] {
    const paused = new Map<string, number>();
    for (const group of state.consumers) {
      for (const partition of group.partitions) paused.set(partition.topic, 0);
    }
    for (const table of state.pausedTables) paused.set(table.topic, 1);
    for (const table of state.reader.pausedTables) {
      const topic = this.#topicOfTable(table);
      if (topic) paused.set(topic, 1);
    }
    return [...paused].map(([topic, value]) => ({ labels: { topic }, value }));
  }
}

function sourceUpSeries(state: PipelineState): Series[] {
  const down = new Set(state.errors.map((error) => error.source));
  const sources = new Set<string>([...opsSources, ...down]);
  return [...sources].map((source) => ({ labels: { source }, value: down.has(source) ? 0 : 1 }));
}

/** Replaces every series of a labelled gauge: labels absent from `series`, or with a null value, disappear. */
function replaceSeries(gauge: Gauge, series: Series[]): void {
  gauge.reset();
  for (const { labels, value } of series) {
    if (value !== null && Number.isFinite(value)) gauge.set(labels, value);
  }
}
