/**
 * The run's timeline, drawn up front from the seed: when each fault strikes and for how long its victim stays
 * down, and when the large transactions and schema changes happen. The seed reproduces the timeline; the exact
 * interleaving with the services (how far the reader got when it was killed) still depends on timing.
 */
import { Prng } from '../../scripts/workload/prng.ts';

/** The kinds drawn at random moments: every one at least once per run (when there are enough faults). */
export const faultKinds = ['reader', 'sink', 'broker', 'analytics-db', 'core-db'] as const;
/**
 * The kinds placed by the plan itself, once or a few times per run: every sink down at once for long enough
 * that Kafka compacts what they have not read; the reader down while a captured column changes type; the
 * reader killed between creating its slot and recording it (its first start only).
 */
export const plannedFaultKinds = ['sinks-outage', 'reader-type-change', 'reader-slot-created'] as const;
export const allFaultKinds = [...faultKinds, ...plannedFaultKinds] as const;
export type FaultKind = (typeof allFaultKinds)[number];
export type RandomFaultKind = (typeof faultKinds)[number];

export interface PlannedFault {
  kind: RandomFaultKind;
  /** Milliseconds after the workload started. */
  atMs: number;
  /** How long the victim stays down before it is started again. */
  downMs: number;
  /** Which sink, for a sink fault. */
  sink: number;
  /** Placed right after a large transaction, to catch it in flight. */
  afterLargeTransaction: boolean;
}

export interface PlannedStep {
  atMs: number;
  index: number;
}

/** A planned fault with a downtime of its own (a sinks outage, the reader down for a type change). */
export interface PlannedOutage extends PlannedStep {
  downMs: number;
}

export interface ChaosPlan {
  seed: number;
  faults: PlannedFault[];
  largeTransactions: PlannedStep[];
  schemaChanges: PlannedStep[];
  truncates: PlannedStep[];
  incrementalSnapshots: PlannedStep[];
  /** Every sink down at once while deletes and TOAST-unchanged updates happen and the topics compact. */
  sinkOutages: PlannedOutage[];
  /** The reader down while a captured column is widened (`ALTER COLUMN ... TYPE`) with writes around it. */
  typeChanges: PlannedOutage[];
  /** How long after the reader's initial copy began it is killed. */
  initialSnapshotKillMs: number;
}

export interface PlanSettings {
  seed: number;
  durationMs: number;
  faults: number;
  sinks: number;
  largeTransactions: number;
  schemaChanges: number;
  truncates: number;
  incrementalSnapshots: number;
  sinkOutages: number;
  /** The longest sinks outage; each lasts between half of it and all of it. */
  sinkOutageMaxMs: number;
  typeChanges: number;
}

/** How long the reader stays down for a type change: writes before the ALTER, the ALTER, writes after. */
const typeChangeDownMs: [number, number] = [3_000, 8_000];

/** Downtime ranges per kind: processes come back as fast as a kubelet restarts them, servers take longer. */
const downtimeMs: Record<RandomFaultKind, [number, number]> = {
  reader: [0, 3_000],
  sink: [0, 3_000],
  broker: [2_000, 8_000],
  'analytics-db': [500, 5_000],
  'core-db': [500, 5_000],
};

/** Relative frequency once every kind has had its turn: the reader and the sinks are the usual victims. */
const kindWeights: [RandomFaultKind, number][] = [
  ['reader', 3],
  ['sink', 3],
  ['broker', 2],
  ['analytics-db', 2],
  ['core-db', 2],
];

function times(rng: Prng, count: number, fromMs: number, toMs: number): number[] {
  return Array.from({ length: count }, () => fromMs + Math.floor(rng.next() * (toMs - fromMs))).sort(
    (a, b) => a - b,
  );
}

function shuffled<T>(rng: Prng, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export function planChaos(settings: PlanSettings): ChaosPlan {
  const root = new Prng(settings.seed);
  const [kindRng, timeRng, stepRng, downRng, outageRng] = [1, 2, 3, 4, 5].map((stream) =>
    root.fork(stream),
  ) as Prng[];
  const rng = { kind: kindRng as Prng, time: timeRng as Prng, step: stepRng as Prng, down: downRng as Prng };
  // Quiet margins: the first seconds let the pipeline start streaming, the last ones let the last fault end
  // while the workload still writes (a fault during the settle phase would test the settle, not the pipeline).
  const from = Math.min(5_000, settings.durationMs / 10);
  const to = settings.durationMs - Math.min(15_000, settings.durationMs / 8);

  const largeTransactions = times(rng.step, settings.largeTransactions, from, to).map((atMs, index) => ({
    atMs,
    index,
  }));
  const schemaChanges = times(rng.step, settings.schemaChanges, from, to).map((atMs, index) => ({
    atMs,
    index,
  }));

  // Truncates in the first two thirds: the tables fill up again before the end, so the comparison has rows.
  const truncates = times(rng.step, settings.truncates, from, (2 * to) / 3).map((atMs, index) => ({
    atMs,
    index,
  }));

  // Early enough to finish (chunks of a few thousand rows) while the faults still strike.
  const incrementalSnapshots = times(rng.step, Math.min(settings.incrementalSnapshots, 3), from, to / 2).map(
    (atMs, index) => ({ atMs, index }),
  );

  // Drawn from a stream of their own, so that the other steps keep their moments when these counts change.
  // Outages end before the quiet margin; a sink fault that falls inside one waits for its end (faults.ts).
  const outages = outageRng as Prng;
  const sinkOutages = times(
    outages,
    settings.sinkOutages,
    from,
    Math.max(from + 1, to - settings.sinkOutageMaxMs),
  ).map((atMs, index) => ({
    atMs,
    index,
    downMs: outages.int(Math.round(settings.sinkOutageMaxMs / 2), settings.sinkOutageMaxMs),
  }));
  const typeChanges = times(outages, settings.typeChanges, from, to - typeChangeDownMs[1]).map(
    (atMs, index) => ({ atMs, index, downMs: outages.int(...typeChangeDownMs) }),
  );

  // Every kind at least once (when there are enough faults), in a seeded order, then weighted draws.
  const kinds = shuffled(rng.kind, faultKinds).slice(0, settings.faults);
  while (kinds.length < settings.faults) kinds.push(rng.kind.weighted(kindWeights));
  // Half the large transactions get a fault 0.3–3 s after they start: the reader is decoding or producing it.
  const aligned = largeTransactions
    .filter(() => rng.time.chance(0.5))
    .slice(0, settings.faults)
    .map((step) => step.atMs + rng.time.int(300, 3_000));
  const moments = [...aligned, ...times(rng.time, settings.faults - aligned.length, from, to)];
  // The reader killed 1.5–5 s after each incremental snapshot request: it must resume the snapshot.
  const duringSnapshots = incrementalSnapshots.map((step) => ({
    kind: 'reader' as const,
    atMs: step.atMs + rng.time.int(1_500, 5_000),
    downMs: rng.down.int(...downtimeMs.reader),
    sink: 0,
    afterLargeTransaction: false,
  }));
  const faults = shuffled(rng.kind, kinds)
    .map((kind, index) => {
      const [min, max] = downtimeMs[kind];
      return {
        kind,
        atMs: moments[index] as number,
        downMs: rng.down.int(min, max),
        sink: rng.down.int(0, settings.sinks - 1),
        afterLargeTransaction: index < aligned.length,
      };
    })
    .concat(duringSnapshots)
    .sort((a, b) => a.atMs - b.atMs);
  return {
    seed: settings.seed,
    faults,
    largeTransactions,
    schemaChanges,
    truncates,
    incrementalSnapshots,
    sinkOutages,
    typeChanges,
    initialSnapshotKillMs: rng.down.int(0, 1_500),
  };
}
