/** `npm run demo:seed`: loads the demo's base data set into the core database (DATABASE_URL_CORE_OWNER). */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PipelineError } from '../../lib/errors/index.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { type SeedOptions, seedCore, seedOptionsSchema } from './domain/seed-core.ts';

const usage = `Usage: npm run demo:seed -- [--seed 42] [--reset] [--partners 20] [--missions 200] [--widgets 30]
                          [--campaigns 10] [--stat-events 2000] [--large-text-ratio 0.05] [--anchor 2026-11-01]

Without --reset, a database that already holds core rows is left untouched (running twice is harmless).`;

const flags: Record<keyof SeedOptions, string> = {
  seed: '--seed',
  partners: '--partners',
  missions: '--missions',
  widgets: '--widgets',
  campaigns: '--campaigns',
  statEvents: '--stat-events',
  largeTextRatio: '--large-text-ratio',
  anchor: '--anchor',
  reset: '--reset',
};

function parseFlags(argv: string[]) {
  const text = { type: 'string' } as const;
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        seed: text,
        partners: text,
        missions: text,
        widgets: text,
        campaigns: text,
        'stat-events': text,
        'large-text-ratio': text,
        anchor: text,
        reset: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new PipelineError('INVALID_ARGUMENT', `${(error as Error).message}\n\n${usage}`, { cause: error });
  }
}

function parseCommand(argv: string[]): SeedOptions | 'help' {
  const values = parseFlags(argv);
  if (values.help) return 'help';
  const result = seedOptionsSchema.safeParse({
    seed: values.seed,
    partners: values.partners,
    missions: values.missions,
    widgets: values.widgets,
    campaigns: values.campaigns,
    statEvents: values['stat-events'],
    largeTextRatio: values['large-text-ratio'],
    anchor: values.anchor,
    reset: values.reset,
  });
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (issue) => `${flags[issue.path[0] as keyof SeedOptions] ?? 'options'}: ${issue.message}`,
  );
  throw new PipelineError('INVALID_ARGUMENT', `invalid seed options:\n  ${lines.join('\n  ')}`);
}

await runMain('demo:seed', async () => {
  const options = parseCommand(process.argv.slice(2));
  if (options === 'help') {
    console.log(usage);
    return 0;
  }
  const { config } = configure('demo-seed', ['coreOwnerDatabase']);
  const client = new pg.Client({
    connectionString: config.coreOwnerDatabase.url,
    application_name: 'cdc-demo-seed',
  });
  const started = performance.now();
  await client.connect();
  try {
    const summary = await seedCore(client, options);
    console.log(
      JSON.stringify({ ...summary, reset: options.reset, ms: Math.round(performance.now() - started) }),
    );
    return 0;
  } finally {
    await client.end();
  }
});
