/**
 * Workload options: one zod schema shared by the library and the CLI, so `runWorkload` callers and command-line
 * users get the same validation, and every error names the option it is about.
 */
import { z } from 'zod';
import { PipelineError } from '../../lib/errors/index.ts';
import { type CoreTable, coreTables } from '../demo/domain/tables.ts';

export const actions = ['insert', 'update', 'delete', 'truncate'] as const;
export type Action = (typeof actions)[number];
export type Mix = Record<Action, number>;

/** Truncate is destructive enough that it only happens when asked for. */
export const defaultMix: Mix = { insert: 70, update: 20, delete: 10, truncate: 0 };

/** The tables each action may target, with their relative weights: mostly tracking events, as in production. */
export const tableWeights: Record<Action, Partial<Record<CoreTable, number>>> = {
  insert: { stat_events: 90, missions: 5, widget_missions: 3, campaigns: 1, widgets: 0.5, partners: 0.5 },
  update: { missions: 55, stat_events: 15, campaigns: 15, widgets: 8, partners: 7 },
  delete: { stat_events: 70, widget_missions: 20, missions: 10 },
  // Only stat_events: nothing references it, so TRUNCATE needs no CASCADE into the rest of the domain.
  truncate: { stat_events: 1 },
};

/** Parses `insert=70,update=20,delete=9,truncate=1`; actions left out weigh zero. */
export function parseMix(text: string): Mix {
  const mix: Mix = { insert: 0, update: 0, delete: 0, truncate: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^([a-z]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!match) throw new Error(`expected action=weight pairs separated by commas, got "${part}"`);
    const [, action = '', weight = ''] = match;
    if (!(actions as readonly string[]).includes(action)) {
      throw new Error(`unknown action "${action}" (expected one of ${actions.join(', ')})`);
    }
    if (seen.has(action)) throw new Error(`action "${action}" is given twice`);
    seen.add(action);
    mix[action as Action] = Number(weight);
  }
  if (Object.values(mix).every((weight) => weight === 0))
    throw new Error('at least one weight must be positive');
  return mix;
}

export interface TxSize {
  min: number;
  max: number;
}

/** Parses `3` or `1-5` (operations per transaction). */
export function parseTxSize(text: string): TxSize {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`expected a number or a range like 1-5, got "${text}"`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (min < 1) throw new Error('must be at least 1');
  if (max < min) throw new Error(`range ${min}-${max} is reversed`);
  if (max > 1000) throw new Error('at most 1000 operations per transaction');
  return { min, max };
}

/**
 * Accepts the CLI's text or the library's structured value. The union only checks the shape; text goes through
 * the parser inside the transform so its precise message (not zod's generic "Invalid input") reaches the user.
 */
function textOr<S extends z.ZodType, T>(
  parse: (text: string) => T,
  structured: S,
  normalise: (value: z.output<S>) => T,
) {
  return z.union([z.string(), structured]).transform((value, ctx) => {
    if (typeof value !== 'string') return normalise(value as z.output<S>);
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

const mixSchema = textOr(
  parseMix,
  z
    .object({
      insert: z.number().min(0).default(0),
      update: z.number().min(0).default(0),
      delete: z.number().min(0).default(0),
      truncate: z.number().min(0).default(0),
    })
    .refine((mix) => Object.values(mix).some((weight) => weight > 0), 'at least one weight must be positive'),
  (mix): Mix => mix,
);

const txSizeSchema = textOr(
  parseTxSize,
  z.union([
    z.number().int().min(1).max(1000),
    z
      .object({ min: z.number().int().min(1), max: z.number().int().max(1000) })
      .refine((size) => size.max >= size.min, 'max must not be below min'),
  ]),
  (size): TxSize => (typeof size === 'number' ? { min: size, max: size } : size),
);

const tablesSchema = z
  .union([z.string().transform((text) => text.split(',').map((t) => t.trim())), z.array(z.string())])
  .pipe(z.array(z.enum(coreTables, { error: `expected table names among ${coreTables.join(', ')}` })).min(1));

/** Parses a day such as `2026-06-01` to midnight UTC. */
export function parseAnchor(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`expected a date like 2026-06-01, got "${text}"`);
  return ms;
}

function startOfUtcDay(ms: number): number {
  return ms - (ms % 86_400_000);
}

export const workloadOptionsSchema = z
  .object({
    seed: z.coerce.number().int().min(0).max(0xffffffff).default(42),
    /** Transactions per second; 0 (or "max") runs unthrottled. */
    rate: z
      .preprocess((value) => (value === 'max' ? 0 : value), z.coerce.number().min(0).max(100_000))
      .default(50),
    /** Stop after this many seconds... */
    durationSeconds: z.coerce.number().positive().optional(),
    /** ...or this many transactions, whichever comes first; neither means run until stopped. */
    count: z.coerce.number().int().positive().optional(),
    mix: mixSchema.default(defaultMix),
    txSize: txSizeSchema.default({ min: 1, max: 5 }),
    tables: tablesSchema.default([...coreTables]),
    /** Fraction of mission inserts and description updates that write a description stored out of line. */
    largeTextRatio: z.coerce.number().min(0).max(1).default(0.1),
    /** Attempts after the first for a transaction hit by a transient error, with exponential backoff. */
    maxRetries: z.coerce.number().int().min(0).max(20).default(8),
    /** How many existing stat events are loaded as candidates for updates and deletes. */
    statEventSample: z.coerce.number().int().min(1).default(20_000),
    /** Day around which generated mission and campaign dates are spread; fixed here, the plan is fixed too. */
    anchorMs: textOr(parseAnchor, z.number().int(), (ms) => ms).default(() => startOfUtcDay(Date.now())),
  })
  .superRefine((options, ctx) => {
    const reachable = actions.filter(
      (action) =>
        options.mix[action] > 0 && options.tables.some((table) => (tableWeights[action][table] ?? 0) > 0),
    );
    if (reachable.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['mix'],
        message: `no action of the mix can target the selected tables (${options.tables.join(', ')})`,
      });
    }
  });

export type WorkloadInput = z.input<typeof workloadOptionsSchema>;
export type WorkloadOptions = z.output<typeof workloadOptionsSchema>;

/** The command-line spelling of each option, for error messages. */
export const optionFlags: Record<keyof WorkloadOptions, string> = {
  seed: '--seed',
  rate: '--rate',
  durationSeconds: '--duration',
  count: '--count',
  mix: '--mix',
  txSize: '--tx-size',
  tables: '--tables',
  largeTextRatio: '--large-text-ratio',
  maxRetries: '--max-retries',
  statEventSample: '--stat-event-sample',
  anchorMs: '--anchor',
};

/** Validates options, reporting every invalid one by its flag name (INVALID_ARGUMENT: exit code 64 in a CLI). */
export function parseWorkloadOptions(input: WorkloadInput): WorkloadOptions {
  const result = workloadOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path[0];
    const flag =
      typeof key === 'string' && key in optionFlags ? optionFlags[key as keyof WorkloadOptions] : key;
    return `${String(flag ?? 'options')}: ${issue.message}`;
  });
  throw new PipelineError('INVALID_ARGUMENT', `invalid workload options:\n  ${lines.join('\n  ')}`);
}
