/**
 * The pipeline's state as operators see it, stage by stage: what `cdc status` prints, what the ops service
 * serves to the dashboard (`GET /api/state`) and exports as `cdc_ops_*` metrics. Gathered from the sources of
 * truth (the core database's slot, Kafka's offsets, the analytics database's cursor and bookkeeping), so it is
 * right even when a service is down; the services' own /metrics add what only they know (slot lag in seconds,
 * snapshot progress, latency histograms) when they can be reached.
 *
 * Numbers that can exceed 2^53 (offsets, LSNs as byte positions) are numbers all the same: exact up to 8 PiB
 * of WAL or 9e15 messages, far beyond what monitoring needs. `null` means "unknown" (a source could not be
 * read), never zero.
 */

export type CheckLevel = 'ok' | 'warn' | 'fail';

/** One verdict on the pipeline's health, with what to do when it is not ok. */
export interface HealthCheck {
  /** Stable identifier, for scripts: `reader.streaming`, `slot.lag`, `consumer.lag`, `dlq.pending`, ... */
  id: string;
  level: CheckLevel;
  /** One line a person on call reads first. */
  summary: string;
  /** What to look at or run next, when not ok. */
  hint?: string;
}

export interface SlotState {
  name: string;
  /** Null when the slot does not exist. */
  exists: boolean;
  /** A walsender is attached (the reader is streaming). */
  active: boolean;
  /** Last LSN confirmed by the reader (everything before it is in Kafka), e.g. `0/16B3748`. */
  confirmedLsn: string | null;
  currentLsn: string | null;
  lagBytes: number | null;
  /** Seconds since the commit of the last confirmed change, from the reader's metrics (null if unreachable). */
  lagSeconds: number | null;
  /** PostgreSQL's verdict on the retained WAL: reserved, extended, unreserved, lost. */
  walStatus: string | null;
}

export interface SnapshotState {
  table: string;
  status: 'running' | 'done' | 'failed';
  /** 0 to 1. */
  progress: number;
  rows: number;
  updatedAt: string;
}

export interface ReaderState {
  slot: SlotState;
  /** The reader's /metrics answered: it is alive; `streaming` says whether it holds the lease and streams. */
  reachable: boolean;
  streaming: boolean | null;
  snapshots: SnapshotState[];
  /** Tables the reader paused (a schema the registry rejected, a change too large, a value it cannot map). */
  pausedTables: string[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset to apply, from the sink's cursor in the analytics database (null: nothing applied yet). */
  cursor: number | null;
  /** Kafka's committed group offset (a copy of the cursor, for lag tools); null when none. */
  kafkaCommitted: number | null;
  /** First retained and next-to-be-written offsets of the partition. */
  startOffset: number;
  endOffset: number;
  lagMessages: number;
  /** Age of the oldest message not yet applied (its Kafka timestamp); 0 when caught up. */
  lagSeconds: number | null;
}

export interface ConsumerGroupState {
  groupId: string;
  /** Kafka's view of the group: Stable, Empty, PreparingRebalance, Dead, ... */
  groupState: string | null;
  members: number;
  partitions: PartitionLag[];
  lagMessages: number;
  lagSeconds: number | null;
}

export interface DlqState {
  topic: string;
  /** The captured topic whose dead letters it holds. */
  sourceTopic: string;
  /** Messages in the DLQ topic (end minus start offset). */
  messages: number;
  /** Of those, not replayed yet (cdc.dlq_replays). */
  pending: number;
}

export interface PausedTableState {
  topic: string;
  rawTable: string;
  reason: string;
  since: string;
}

/** Rows of one raw table waiting for a re-read from core (a repair the sink asked the reader for). */
export interface RepairState {
  rawTable: string;
  rows: number;
  /** Seconds since the oldest of them was set aside. */
  oldestSeconds: number;
  /** Most times one of them was asked for. */
  requests: number;
}

export interface MartsState {
  lastSuccessAt: string | null;
  /** Facts are complete up to this source commit time. */
  watermark: string | null;
  /** Seconds between now and the watermark of the last successful build. */
  freshnessSeconds: number | null;
  lastRun: { status: string; startedAt: string; finishedAt: string | null; error: string | null } | null;
  consecutiveFailures: number;
}

/**
 * Commit-to-raw latency percentiles in seconds, from the sinks' histogram: in a PipelineState, over everything
 * observed since the sinks started; in a dashboard sample, over the interval since the previous sample.
 */
export interface LatencyState {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Counters summed over the reachable services, for rates (the dashboard differentiates successive samples). */
export interface ThroughputCounters {
  /** Changes the reader got acknowledged by Kafka (cdc_reader_changes_total). */
  readerChanges: number | null;
  /** Sum of the captured topics' end offsets: messages in Kafka, from any producer. */
  topicMessages: number;
  /** Sum of the sink's cursors: messages applied (or skipped, dead-lettered) by the sinks. */
  sinkMessages: number;
  deadLetters: number;
  /**
   * The sinks' commit-to-raw histogram, cumulative `[upper bound in seconds, count]` summed over the reachable
   * sinks (null when none answered): the dashboard turns two readings into the latency of that interval.
   */
  commitToRawBuckets: [number, number][] | null;
}

export interface PipelineState {
  /** ISO time the state was gathered. */
  at: string;
  level: CheckLevel;
  checks: HealthCheck[];
  reader: ReaderState;
  consumers: ConsumerGroupState[];
  dlq: DlqState[];
  pausedTables: PausedTableState[];
  /** Rows waiting for a repair from core, per raw table (none: empty). */
  repairs: RepairState[];
  marts: MartsState;
  latency: LatencyState;
  counters: ThroughputCounters;
  /** Sources that could not be read this time, with why (the rest of the state is still valid). */
  errors: { source: string; message: string }[];
}
