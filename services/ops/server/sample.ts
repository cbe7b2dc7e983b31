/**
 * A compact, chartable digest of one PipelineState: what the dashboard plots over time and the history keeps
 * in memory (an hour of samples is a few hundred kilobytes). Rates come from differentiating the counters of
 * two successive states; a counter that went down (a service restarted, a topic was recreated) counts as no
 * progress rather than as a negative rate.
 */
import { bucketQuantile, bucketsSince } from '../pipeline-state/prometheus-text.ts';
import type { CheckLevel, LatencyState, PipelineState, ThroughputCounters } from '../pipeline-state/state.ts';

export interface PartitionLagSample {
  messages: number;
  seconds: number | null;
}

export interface StageRates {
  readerChangesPerSec: number | null;
  topicMessagesPerSec: number | null;
  sinkMessagesPerSec: number | null;
  deadLettersPerSec: number | null;
}

export interface Sample {
  /** Epoch milliseconds at which the state was gathered. */
  t: number;
  level: CheckLevel;
  slotLagBytes: number | null;
  slotLagSeconds: number | null;
  /** Keyed `<topic>/<partition>`; with several consumer groups, the worst group's lag. */
  consumerLag: Record<string, PartitionLagSample>;
  lagMessagesTotal: number;
  /** The oldest unapplied message's age over all groups; null when any group's is unknown. */
  lagSecondsMax: number | null;
  /** Over the interval since the previous sample: null when no change was applied in it. */
  latency: LatencyState;
  /** Null on the first sample (nothing to differentiate against) and where a counter is unknown. */
  rates: StageRates;
  martsFreshnessSeconds: number | null;
  dlqMessagesTotal: number;
}

/** What the next derivation needs from the previous state. */
export interface CounterReading {
  t: number;
  counters: ThroughputCounters;
}

export function ratePerSecond(
  previous: number | null,
  current: number | null,
  seconds: number,
): number | null {
  if (previous === null || current === null || !(seconds > 0)) return null;
  return Math.max(0, current - previous) / seconds;
}

export function deriveRates(previous: CounterReading | undefined, current: CounterReading): StageRates {
  const seconds = previous ? (current.t - previous.t) / 1000 : 0;
  const rate = (read: (counters: ThroughputCounters) => number | null): number | null =>
    previous ? ratePerSecond(read(previous.counters), read(current.counters), seconds) : null;
  return {
    readerChangesPerSec: rate((counters) => counters.readerChanges),
    topicMessagesPerSec: rate((counters) => counters.topicMessages),
    sinkMessagesPerSec: rate((counters) => counters.sinkMessages),
    deadLettersPerSec: rate((counters) => counters.deadLetters),
  };
}

function worse(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  return Math.max(a, b);
}

function consumerLagByPartition(state: PipelineState): Record<string, PartitionLagSample> {
  const lag: Record<string, PartitionLagSample> = {};
  for (const group of state.consumers) {
    for (const partition of group.partitions) {
      const key = `${partition.topic}/${partition.partition}`;
      const seen = lag[key];
      lag[key] = seen
        ? {
            messages: Math.max(seen.messages, partition.lagMessages),
            seconds: worse(seen.seconds, partition.lagSeconds),
          }
        : { messages: partition.lagMessages, seconds: partition.lagSeconds };
    }
  }
  return lag;
}

function maxLagSeconds(state: PipelineState): number | null {
  if (state.consumers.length === 0) return null;
  return state.consumers.reduce<number | null>((max, group) => worse(max, group.lagSeconds), 0);
}

/** The state's own time, or `fallback` when it is not a parseable ISO time. */
export function sampleTime(state: PipelineState, fallback: number): number {
  const at = Date.parse(state.at);
  return Number.isFinite(at) ? at : fallback;
}

/**
 * The percentiles of what the sinks applied since the previous sample: the cumulative percentiles since they
 * started would remember a backlog (say, after a restart) for hours.
 */
export function intervalLatency(
  previous: CounterReading | undefined,
  current: ThroughputCounters,
): LatencyState {
  const before = previous?.counters.commitToRawBuckets;
  const now = current.commitToRawBuckets;
  if (!before || !now) return { p50: null, p95: null, p99: null };
  const interval = bucketsSince(before, now);
  return {
    p50: bucketQuantile(interval, 0.5),
    p95: bucketQuantile(interval, 0.95),
    p99: bucketQuantile(interval, 0.99),
  };
}

export function deriveSample(state: PipelineState, t: number, previous?: CounterReading): Sample {
  return {
    t,
    level: state.level,
    slotLagBytes: state.reader.slot.lagBytes,
    slotLagSeconds: state.reader.slot.lagSeconds,
    consumerLag: consumerLagByPartition(state),
    lagMessagesTotal: state.consumers.reduce((sum, group) => sum + group.lagMessages, 0),
    lagSecondsMax: maxLagSeconds(state),
    latency: intervalLatency(previous, state.counters),
    rates: deriveRates(previous, { t, counters: state.counters }),
    martsFreshnessSeconds: state.marts.freshnessSeconds,
    dlqMessagesTotal: state.dlq.reduce((sum, topic) => sum + topic.messages, 0),
  };
}
