/**
 * The run's timeline, drawn up front from the seed: when each fault strikes and for how long its victim stays
 * down, and when the large transactions and schema changes happen. The seed reproduces the timeline; the exact
 * interleaving with the services (how far the reader got when it was killed) still depends on timing.
 */
import { Prng } from '../../scripts/workload/prng.ts';

export const faultKinds = ['reader', 'sink', 'broker', 'analytics-db', 'core-db'] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface PlannedFault {
  kind: FaultKind;
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

export interface ChaosPlan {
  seed: number;
  faults: PlannedFault[];
  largeTransactions: PlannedStep[];
  schemaChanges: PlannedStep[];
  truncates: PlannedStep[];
  incrementalSnapshots: PlannedStep[];
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
}

/** Downtime ranges per kind: processes come back as fast as a kubelet restarts them, servers take longer. */
const downtimeMs: Record<FaultKind, [number, number]> = {
  reader: [0, 3_000],
  sink: [0, 3_000],
  broker: [2_000, 8_000],
  'analytics-db': [500, 5_000],
  'core-db': [500, 5_000],
};

/** Relative frequency once every kind has had its turn: the reader and the sinks are the usual victims. */
const kindWeights: [FaultKind, number][] = [
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
  const [kindRng, timeRng, stepRng, downRng] = [1, 2, 3, 4].map((stream) => root.fork(stream)) as Prng[];
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
    initialSnapshotKillMs: rng.down.int(0, 1_500),
  };
}
