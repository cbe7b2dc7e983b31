/**
 * Gathers the pipeline's state once (state.ts): every source is read independently, so one that cannot be
 * read (a database down, a service not running) is reported in `errors` and the rest still answers, which is
 * what an operator needs most when something is broken.
 */
import type { Admin } from 'kafkajs';
import { deadLetterTopic } from '../../../lib/kafka/dead-letters.ts';
import type { MessageTimes } from '../../../lib/kafka/message-times.ts';
import type { Queryable } from '../../../lib/postgres/slots.ts';
import { readConsumerGroups, readTopicBounds, type TopicBounds } from './consumer-state.ts';
import {
  readCursors,
  readMartsState,
  readPausedTables,
  readReplayedCounts,
  topicOfCursorKey,
} from './cursor-state.ts';
import { evaluateHealth, type HealthThresholds, worstLevel } from './health.ts';
import { histogramBuckets, histogramQuantile, type Sample, sumOf } from './prometheus-text.ts';
import { readRepairState } from './repair-state.ts';
import {
  type ScrapeTargets,
  type ServiceName,
  type ServiceScrape,
  scrapeServices,
} from './service-metrics.ts';
import { readSlotState } from './slot-state.ts';
import type { DlqState, MartsState, PipelineState, ReaderState, SlotState } from './state.ts';

export interface StateSources {
  /** Runs `work` on a core database connection (the reader's role is enough). */
  core: <T>(work: (client: Queryable) => Promise<T>) => Promise<T>;
  analytics: <T>(work: (client: Queryable) => Promise<T>) => Promise<T>;
  admin: Admin;
  messageTimes: MessageTimes;
  scrape: ScrapeTargets;
  slotName: string;
  /** Captured topics, in display order. */
  topics: readonly string[];
  groupIds: readonly string[];
  thresholds: HealthThresholds;
}

type Errors = PipelineState['errors'];

async function attempt<T>(errors: Errors, source: string, read: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    errors.push({ source, message: (error as Error).message || String(error) });
    return fallback;
  }
}

const unknownSlot = (name: string): SlotState => ({
  name,
  exists: false,
  active: false,
  confirmedLsn: null,
  currentLsn: null,
  lagBytes: null,
  lagSeconds: null,
  walStatus: null,
});

const noMarts: MartsState = {
  lastSuccessAt: null,
  watermark: null,
  freshnessSeconds: null,
  lastRun: null,
  consecutiveFailures: 0,
};

function readerFromMetrics(slot: SlotState, scrape: ServiceScrape): ReaderState {
  const samples = scrape.samples;
  const streamingSamples = samples.filter((sample) => sample.name === 'cdc_reader_streaming');
  const lagSeconds = samples.filter((sample) => sample.name === 'cdc_reader_slot_lag_seconds');
  const byTable = (name: string) =>
    new Map(
      samples
        .filter((sample) => sample.name === name)
        .map((sample) => [sample.labels.table ?? '', sample.value]),
    );
  const progress = byTable('cdc_reader_snapshot_progress_ratio');
  const rows = byTable('cdc_reader_snapshot_rows_total');
  return {
    slot: {
      ...slot,
      lagSeconds: lagSeconds.length > 0 ? Math.max(...lagSeconds.map((sample) => sample.value)) : null,
    },
    reachable: scrape.reachable > 0,
    streaming: streamingSamples.length > 0 ? streamingSamples.some((sample) => sample.value === 1) : null,
    snapshots: [...progress].map(([table, ratio]) => ({
      table,
      status: ratio >= 1 ? ('done' as const) : ('running' as const),
      progress: ratio,
      rows: rows.get(table) ?? 0,
      updatedAt: new Date().toISOString(),
    })),
    pausedTables: samples
      .filter((sample) => sample.name === 'cdc_reader_table_paused' && sample.value === 1)
      .map((sample) => sample.labels.table ?? ''),
  };
}

function dlqStates(
  bounds: ReadonlyMap<string, TopicBounds[]>,
  topics: readonly string[],
  replayed: ReadonlyMap<string, number>,
): DlqState[] {
  return topics.flatMap((sourceTopic) => {
    const topic = deadLetterTopic(sourceTopic);
    const partitions = bounds.get(topic);
    if (!partitions) return [];
    const messages = partitions.reduce((total, bound) => total + bound.high - bound.low, 0);
    return [{ topic, sourceTopic, messages, pending: Math.max(0, messages - (replayed.get(topic) ?? 0)) }];
  });
}

export async function collectPipelineState(sources: StateSources, now = new Date()): Promise<PipelineState> {
  const errors: Errors = [];
  // The sinks' own bookkeeping first: the topics a group has a cursor on are reported even when no connector
  // declares them any more (a table dropped from capture, a test's scratch topics).
  const [slot, analytics, scrapes] = await Promise.all([
    attempt(
      errors,
      'core',
      () => sources.core((client) => readSlotState(client, sources.slotName)),
      unknownSlot(sources.slotName),
    ),
    attempt(
      errors,
      'analytics',
      () =>
        sources.analytics(async (client) => ({
          cursors: await readCursors(client, sources.groupIds),
          paused: await readPausedTables(client),
          repairs: await readRepairState(client),
          marts: await readMartsState(client, now),
        })),
      { cursors: new Map<string, number>(), paused: [], repairs: [], marts: noMarts },
    ),
    scrapeServices(sources.scrape),
  ]);
  for (const [service, scrape] of Object.entries(scrapes) as [ServiceName, ServiceScrape][]) {
    if (scrape.failures.length > 0) errors.push({ source: service, message: scrape.failures.join('; ') });
  }
  const topics = [...new Set([...sources.topics, ...[...analytics.cursors.keys()].map(topicOfCursorKey)])];
  const dlqTopics = topics.map(deadLetterTopic);
  const bounds = await attempt(
    errors,
    'kafka',
    () => readTopicBounds(sources.admin, [...topics, ...dlqTopics]),
    new Map<string, TopicBounds[]>(),
  );
  const dlqLows = new Map(
    dlqTopics.flatMap((topic) =>
      bounds.get(topic)?.[0] ? [[topic, bounds.get(topic)?.[0]?.low ?? 0] as const] : [],
    ),
  );
  const replayed = errors.some((error) => error.source === 'analytics')
    ? new Map<string, number>()
    : await attempt(
        errors,
        'analytics',
        () => sources.analytics((client) => readReplayedCounts(client, dlqLows)),
        new Map<string, number>(),
      );
  const captured = new Map(
    topics.flatMap((topic) => (bounds.has(topic) ? [[topic, bounds.get(topic) ?? []]] : [])),
  );
  const consumers = errors.some((error) => error.source === 'kafka')
    ? []
    : await attempt(
        errors,
        'kafka',
        () =>
          readConsumerGroups(
            sources.admin,
            sources.messageTimes,
            sources.groupIds,
            captured,
            analytics.cursors,
            now,
          ),
        [],
      );
  const sinkSamples: Sample[] = scrapes.sink.samples;
  const dlq = dlqStates(bounds, topics, replayed);
  const facts = {
    at: now.toISOString(),
    reader: readerFromMetrics(slot, scrapes.reader),
    consumers,
    dlq,
    pausedTables: analytics.paused,
    repairs: analytics.repairs,
    marts: analytics.marts,
    latency: {
      p50: histogramQuantile(sinkSamples, 'cdc_sink_commit_to_raw_seconds', 0.5),
      p95: histogramQuantile(sinkSamples, 'cdc_sink_commit_to_raw_seconds', 0.95),
      p99: histogramQuantile(sinkSamples, 'cdc_sink_commit_to_raw_seconds', 0.99),
    },
    counters: {
      readerChanges: sumOf(scrapes.reader.samples, 'cdc_reader_changes_total'),
      topicMessages: [...captured.values()].flat().reduce((total, bound) => total + bound.high, 0),
      sinkMessages: (consumers[0]?.partitions ?? []).reduce(
        (total, partition) => total + (partition.cursor ?? 0),
        0,
      ),
      deadLetters: dlq.reduce((total, topic) => total + topic.messages, 0),
      commitToRawBuckets:
        scrapes.sink.reachable > 0 ? histogramBuckets(sinkSamples, 'cdc_sink_commit_to_raw_seconds') : null,
    },
    errors,
  };
  const checks = evaluateHealth(facts, sources.thresholds);
  return { ...facts, level: worstLevel(checks), checks };
}
