/**
 * The two sizes of the chaos run and the command-line flags over them. The short run is what CI affords (about
 * three minutes, every fault kind at least once); the long one (`--long`) is for a release or a suspicion.
 */
import { parseArgs } from 'node:util';

export interface ChaosOptions {
  size: 'short' | 'long';
  seed: number;
  /** How long the workload runs; faults and steps are spread over it. */
  minutes: number;
  faults: number;
  sinks: number;
  /** Workload transactions per second. */
  rate: number;
  largeTransactions: number;
  largeTransactionRows: number;
  schemaChanges: number;
  truncates: number;
  /** `cdc snapshot <table>` requests during the run (at most three: one per table re-read). */
  incrementalSnapshots: number;
  /** Every sink down at once, long enough for Kafka to compact what they have not read (compaction.ts). */
  sinkOutages: number;
  /** The longest sinks outage; each lasts between half of it and all of it. */
  sinkOutageMaxMs: number;
  /** Captured columns widened while the reader is down (at most two: see load.ts). */
  typeChanges: number;
  /** Bound on each settle stage (reader confirmed, sinks caught up). */
  settleTimeoutMs: number;
  /** Rows of stat_events in the base data set, copied by the reader's initial snapshot. */
  seedStatEvents: number;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 0xffffffff);
}

export function shortRun(seed = randomSeed()): ChaosOptions {
  return {
    size: 'short',
    seed,
    minutes: 1.5,
    faults: 7,
    sinks: 2,
    rate: 20,
    largeTransactions: 2,
    largeTransactionRows: 20_000,
    schemaChanges: 2,
    truncates: 2,
    incrementalSnapshots: 1,
    sinkOutages: 1,
    sinkOutageMaxMs: 40_000,
    typeChanges: 1,
    settleTimeoutMs: 180_000,
    // Enough for the initial copy to take a few seconds, so that the kill during it lands inside it.
    seedStatEvents: 30_000,
  };
}

export function longRun(seed = randomSeed()): ChaosOptions {
  return {
    ...shortRun(seed),
    size: 'long',
    minutes: 12,
    faults: 60,
    largeTransactions: 10,
    schemaChanges: 6,
    truncates: 6,
    incrementalSnapshots: 3,
    sinkOutages: 3,
    sinkOutageMaxMs: 60_000,
    typeChanges: 2,
    settleTimeoutMs: 300_000,
  };
}

export const usage = `usage: npm run chaos -- [--long] [--seed N] [--faults N] [--minutes M] [--rate TX_PER_S] [--sinks N]
                     [--sink-outages N] [--outage-seconds S]

  (default)   short run: ${shortRun(0).minutes} min of workload, ${shortRun(0).faults} faults (every kind at least once)
  --long      ${longRun(0).minutes} min of workload, ${longRun(0).faults} faults
  --seed N    replays a run's timeline (printed at the start of every run)
  --sink-outages N     times every sink is down at once (default ${shortRun(0).sinkOutages}, long ${longRun(0).sinkOutages})
  --outage-seconds S   the longest such outage (default ${shortRun(0).sinkOutageMaxMs / 1000}, long ${longRun(0).sinkOutageMaxMs / 1000})`;

function positive(name: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new Error(
      `--${name}: expected a positive ${integer ? 'integer' : 'number'}, got "${text}"\n${usage}`,
    );
  return value;
}

export function parseChaosArgs(argv: string[]): ChaosOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      long: { type: 'boolean', default: false },
      seed: { type: 'string' },
      faults: { type: 'string' },
      minutes: { type: 'string' },
      rate: { type: 'string' },
      sinks: { type: 'string' },
      'sink-outages': { type: 'string' },
      'outage-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const seedText = values.seed;
  if (seedText !== undefined && !/^\d+$/.test(seedText))
    throw new Error(`--seed: expected a number\n${usage}`);
  const seed = seedText === undefined ? undefined : Number(seedText) >>> 0;
  const base = values.long ? longRun(seed) : shortRun(seed);
  const minutes = positive('minutes', values.minutes, false) ?? base.minutes;
  return {
    ...base,
    minutes,
    faults: positive('faults', values.faults, true) ?? base.faults,
    rate: positive('rate', values.rate, false) ?? base.rate,
    sinks: positive('sinks', values.sinks, true) ?? base.sinks,
    sinkOutages: positive('sink-outages', values['sink-outages'], true) ?? base.sinkOutages,
    sinkOutageMaxMs:
      (positive('outage-seconds', values['outage-seconds'], false) ?? base.sinkOutageMaxMs / 1000) * 1000,
    // Longer runs get proportionally more large transactions and schema changes.
    largeTransactions: Math.max(1, Math.round((base.largeTransactions * minutes) / base.minutes)),
    schemaChanges: Math.max(1, Math.round((base.schemaChanges * minutes) / base.minutes)),
    truncates: Math.max(1, Math.round((base.truncates * minutes) / base.minutes)),
  };
}
