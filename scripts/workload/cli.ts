/**
 * Command-line spelling of the workload options. Parsing is kept apart from main.ts so tests can check that a
 * wrong flag is reported by name without starting a run.
 */
import { parseArgs } from 'node:util';
import { PipelineError } from '../../lib/errors/index.ts';
import { parseWorkloadOptions, type WorkloadOptions } from './options.ts';

export const usage = `Usage: npm run workload -- [options]

Generates a realistic, seeded write load on the core database (DATABASE_URL_CORE_OWNER).

  --seed <n>                 plan seed (default 42): same seed, same operations
  --rate <tx/s|max>          target transactions per second (default 50; max = unthrottled)
  --duration <seconds>       stop after this long
  --count <transactions>     stop after this many transactions (without --duration/--count: until Ctrl-C)
  --mix <weights>            e.g. insert=70,update=20,delete=9,truncate=1 (default insert=70,update=20,delete=10)
  --tx-size <n|min-max>      operations per transaction (default 1-5)
  --tables <a,b,...>         tables operations may target (default: all core tables)
  --large-text-ratio <0..1>  share of mission writes with a description stored out of line (default 0.1)
  --max-retries <n>          attempts after a transient failure, with backoff (default 8)
  --stat-event-sample <n>    existing stat events loaded as update/delete candidates (default 20000)
  --anchor <YYYY-MM-DD>      day generated mission dates are spread around (default: today, UTC)
  --json                     print the report as JSON on stdout
  --help                     show this help`;

export interface WorkloadCommand {
  options: WorkloadOptions;
  json: boolean;
  help: boolean;
}

function parseFlags(argv: readonly string[]) {
  const text = { type: 'string' } as const;
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      seed: text,
      rate: text,
      duration: text,
      count: text,
      mix: text,
      'tx-size': text,
      tables: text,
      'large-text-ratio': text,
      'max-retries': text,
      'stat-event-sample': text,
      anchor: text,
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}

/** Throws an INVALID_ARGUMENT error naming the offending option (unknown flag, missing value, invalid value). */
export function parseWorkloadCommand(argv: readonly string[]): WorkloadCommand {
  let values: ReturnType<typeof parseFlags>['values'];
  try {
    values = parseFlags(argv).values;
  } catch (error) {
    throw new PipelineError('INVALID_ARGUMENT', `${(error as Error).message}\n\n${usage}`, { cause: error });
  }
  const options = parseWorkloadOptions({
    seed: values.seed,
    rate: values.rate,
    durationSeconds: values.duration,
    count: values.count,
    mix: values.mix,
    txSize: values['tx-size'],
    tables: values.tables,
    largeTextRatio: values['large-text-ratio'],
    maxRetries: values['max-retries'],
    statEventSample: values['stat-event-sample'],
    anchorMs: values.anchor,
  });
  return { options, json: values.json, help: values.help };
}
