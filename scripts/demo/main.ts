/**
 * `npm run demo`: the main job on the local stack with demo data. Brings the stack up (unless connection
 * variables point elsewhere), migrates the core and analytics databases, seeds the demo domain, runs a
 * workload, then checks the core tables against the workload's own report and prints where things stand.
 * Later issues extend it with the reader, the sink and the marts builder.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadEnvFiles } from '../../lib/config/index.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { runDbmate } from '../db/dbmate.ts';
import { up } from '../stack/lifecycle.ts';
import { formatStatusTable } from '../stack/report.ts';
import { connectionEnv } from '../stack/topology.ts';
import { countRows, formatReport, parseWorkloadOptions, runWorkload } from '../workload/index.ts';
import { seedCore } from './domain/seed-core.ts';

/** Any of these set means "use that environment"; none set means "use the local stack". */
const connectionVariables = [
  'DATABASE_URL_CORE',
  'DATABASE_URL_CORE_OWNER',
  'DATABASE_URL_ANALYTICS',
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
];

const usage = 'usage: npm run demo -- [--seed 42] [--rate 25] [--duration 15]';

function parseDemoArgs(argv: string[]) {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        seed: { type: 'string', default: '42' },
        rate: { type: 'string', default: '25' },
        duration: { type: 'string', default: '15' },
      },
    });
    return parseWorkloadOptions({
      seed: values.seed,
      rate: values.rate,
      durationSeconds: values.duration,
      largeTextRatio: 0.1,
    });
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw new PipelineError('INVALID_ARGUMENT', `${(error as Error).message}\n${usage}`, { cause: error });
  }
}

async function bringUpLocalStackIfNeeded(): Promise<void> {
  loadEnvFiles();
  if (connectionVariables.some((name) => process.env[name])) return;
  console.log('==> local stack');
  console.log(formatStatusTable(await up()));
  Object.assign(process.env, connectionEnv());
}

async function migrate(target: 'core' | 'analytics', url: string): Promise<void> {
  const result = await runDbmate({ target, url, args: ['up'], capture: true });
  if (result.code !== 0) {
    throw new PipelineError(
      'COMMAND_FAILED',
      `dbmate could not migrate the ${target} database:\n${result.output}`,
    );
  }
  const applied = result.output.match(/Applying: /g)?.length ?? 0;
  console.log(`    ${target}: ${applied === 0 ? 'up to date' : `${applied} migration(s) applied`}`);
}

await runMain('demo', async () => {
  const workloadOptions = parseDemoArgs(process.argv.slice(2));
  await bringUpLocalStackIfNeeded();
  const { config, logger } = configure('demo', ['coreOwnerDatabase', 'analyticsDatabase']);

  console.log('==> migrations');
  await migrate('core', config.coreOwnerDatabase.url);
  await migrate('analytics', config.analyticsDatabase.url);

  const pool = new pg.Pool({
    connectionString: config.coreOwnerDatabase.url,
    max: 2,
    application_name: 'cdc-demo',
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle core connection lost'));
  try {
    console.log('==> seed (demo domain, reset)');
    const client = await pool.connect();
    try {
      const seeded = await seedCore(client, { seed: workloadOptions.seed, reset: true });
      console.log(`    ${JSON.stringify(seeded.counts)}`);
    } finally {
      client.release();
    }

    console.log(
      `==> workload (${workloadOptions.rate} tx/s for ${workloadOptions.durationSeconds} s, seed ${workloadOptions.seed})`,
    );
    const report = await runWorkload(pool, workloadOptions, { log: (message) => logger.warn(message) });
    console.log(formatReport(report));

    console.log('==> check: core tables against the workload report');
    const live = await countRows(pool);
    const mismatches = Object.entries(report.tables).filter(
      ([table, t]) => live[table as keyof typeof live] !== t.expectedRows,
    );
    if (mismatches.length > 0) {
      for (const [table, t] of mismatches) {
        console.log(
          `    ${table}: expected ${t.expectedRows} rows, found ${live[table as keyof typeof live]}`,
        );
      }
      return 1;
    }
    console.log(
      `    all ${Object.keys(live).length} tables match (${Object.values(live).reduce((a, b) => a + b, 0)} rows)`,
    );
  } finally {
    await pool.end();
  }
  console.log(
    '==> next: the replication reader, raw sink and marts builder stream these changes (issues 3 to 5)',
  );
  return 0;
});
