/**
 * `npm run demo`: the main job on the local stack with demo data. Brings the stack up (unless connection
 * variables point elsewhere), migrates the core and analytics databases, seeds the demo domain, runs a
 * workload, then checks the core tables against the workload's own report and prints where things stand.
 * In between, the replication reader, the raw sink and the marts builder run as separate processes, and the
 * demo shows the changes in Kafka, in analytics_raw and in a mart.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { allConnectors, connectorCatalogue } from '../../connectors/index.ts';
import { loadEnvFiles } from '../../lib/config/index.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import { createKafka } from '../../lib/kafka/client.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { syncPublication } from '../../lib/source/publication.ts';
import { dropSlot, readSlotStatus } from '../../lib/source/slot.ts';
import { runDbmate } from '../db/dbmate.ts';
import { up } from '../stack/lifecycle.ts';
import { formatStatusTable } from '../stack/report.ts';
import { connectionEnv, repoRoot, stackHome } from '../stack/topology.ts';
import { countRows, formatReport, parseWorkloadOptions, runWorkload } from '../workload/index.ts';
import { seedCore } from './domain/seed-core.ts';
import { showMarts } from './marts.ts';
import { printPipelineHealth, startOpsDashboard } from './ops-dashboard.ts';
import { resetRawTables, waitForRawTables } from './raw-tables.ts';
import { changeCounts, type ServiceProcess, snapshotRows, startServiceProcess } from './service-process.ts';

const demoOpsPort = 9191;
const demoSinkOpsPort = 9192;
const demoMartsOpsPort = 9193;

/** Waits (bounded) until the reader confirmed everything written so far: then every change is in Kafka. */
async function waitForReaderToCatchUp(pool: pg.Pool, slot: string, timeoutMs = 60_000): Promise<string> {
  const { rows } = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const target = rows[0]?.lsn ?? '0/0';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const caughtUp = await pool.query<{ ok: boolean }>(
      'SELECT confirmed_flush_lsn >= $2::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $1',
      [slot, target],
    );
    if (caughtUp.rows[0]?.ok) return target;
    if (Date.now() > deadline) {
      throw new PipelineError(
        'COMMAND_FAILED',
        `the reader did not confirm ${target} within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

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
  const { config, logger } = configure('demo', [
    'coreOwnerDatabase',
    'coreDatabase',
    'analyticsDatabase',
    'kafka',
    'registry',
    'replication',
    'sink',
  ]);

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

    console.log('==> publication (as the table owner: the reader role may only read)');
    const owner = await pool.connect();
    try {
      const { plan, applied } = await syncPublication(owner, {
        publication: config.replication.publicationName,
        connectors: allConnectors,
      });
      console.log(
        `    ${config.replication.publicationName}: ${applied ? plan.differences.join('; ') : 'up to date'}`,
      );
    } finally {
      owner.release();
    }

    // A slot PostgreSQL invalidated (max_slot_wal_keep_size exceeded while no reader ran, e.g. after a benchmark)
    // cannot stream any more. In production the operator drops it (cdc preflight says so) and the reader
    // re-snapshots; the demo resets its data anyway, so it does that itself and says so.
    // As the reader's role: managing slots needs the REPLICATION attribute, which the owner does not have.
    const replication = new pg.Client({ connectionString: config.coreDatabase.url });
    await replication.connect();
    try {
      const slot = await readSlotStatus(replication, config.replication.slotName);
      if (slot?.walStatus === 'lost') {
        await dropSlot(replication, config.replication.slotName);
        console.log(
          `    slot ${config.replication.slotName} was invalidated (wal_status lost): dropped; the reader re-creates and re-snapshots it`,
        );
      }
      if (!slot || slot.walStatus === 'lost') {
        // A new slot starts with a snapshot; what the topics hold from before it may miss changes made while
        // there was no slot (deletes above all), so the raw tables start over from the snapshot (demo only).
        const catalogue = connectorCatalogue(config.kafka.topics.prefix);
        await resetRawTables(
          config.analyticsDatabase.url,
          createKafka(config.kafka, logger, 'demo'),
          config.sink.groupId,
          (connector) => catalogue.topicOf(connector),
        );
        console.log('    new slot: analytics_raw emptied and the sink cursor moved past the old events');
      }
    } finally {
      await replication.end();
    }

    console.log('==> replication reader (services/replication-reader, as a separate process)');
    const reader: ServiceProcess = await startServiceProcess({
      env: { READER_STATUS_INTERVAL_MS: '1000' },
      opsPort: demoOpsPort,
      logFile: path.join(stackHome, 'logs', 'demo-reader.log'),
    });
    console.log(`    ready on ${reader.opsUrl}/readyz, logs in ${reader.logFile}`);
    console.log('==> raw sink (services/raw-sink, as a separate process)');
    const sink: ServiceProcess = await startServiceProcess({
      name: 'raw sink',
      entry: path.join(repoRoot, 'services', 'raw-sink', 'main.ts'),
      env: {},
      opsPort: demoSinkOpsPort,
      logFile: path.join(stackHome, 'logs', 'demo-sink.log'),
    });
    console.log(`    ready on ${sink.opsUrl}/readyz, logs in ${sink.logFile}`);
    console.log('==> ops service (services/ops/server): the live lag dashboard');
    const ops: ServiceProcess = await startOpsDashboard({
      reader: demoOpsPort,
      sink: demoSinkOpsPort,
      marts: demoMartsOpsPort,
    });
    console.log(
      `    dashboard: ${ops.opsUrl}/  (open it now: it follows the run live; logs in ${ops.logFile})`,
    );
    console.log('    the same state on the command line: npm run cdc -- status');
    let report: Awaited<ReturnType<typeof runWorkload>>;
    const streamMismatches: string[] = [];
    try {
      console.log(
        `==> workload (${workloadOptions.rate} tx/s for ${workloadOptions.durationSeconds} s, seed ${workloadOptions.seed})`,
      );
      // What the slot held from before this run (earlier demo runs, the seed) is streamed first: the baseline.
      await waitForReaderToCatchUp(pool, config.replication.slotName);
      const startMetrics = await reader.metrics();
      const baseline = changeCounts(startMetrics);
      const copied = snapshotRows(startMetrics);
      if (copied > 0)
        console.log(
          `    initial snapshot (new slot): ${copied} rows copied as r events, consistent with the stream`,
        );
      report = await runWorkload(pool, workloadOptions, { log: (message) => logger.warn(message) });
      console.log(formatReport(report));
      const confirmed = await waitForReaderToCatchUp(pool, config.replication.slotName);
      console.log(`==> Kafka: every change up to ${confirmed} is acknowledged and confirmed to PostgreSQL`);
      const counts = changeCounts(await reader.metrics());
      const streamed = (table: string, op: string) =>
        (counts[table]?.[op] ?? 0) - (baseline[table]?.[op] ?? 0);
      for (const [table, expected] of Object.entries(report.tables).sort()) {
        const line = ['c', 'u', 'd', 't'].map((op) => `${op}=${streamed(table, op)}`).join(' ');
        const matches =
          streamed(table, 'c') === expected.inserted &&
          streamed(table, 'u') === expected.updated &&
          streamed(table, 'd') === expected.deleted &&
          streamed(table, 't') === expected.truncates;
        if (!matches) streamMismatches.push(table);
        console.log(
          `    ${config.kafka.topics.prefix}.public.${table.padEnd(16)} ${line}${matches ? '' : '  (differs from the workload)'}`,
        );
      }
      console.log('==> analytics_raw: the sink lands every change');
      const landed = await waitForRawTables(pool, config.analyticsDatabase.url);
      for (const [table, { core, raw, deleted }] of Object.entries(landed.tables).sort()) {
        console.log(
          `    analytics_raw.${table.padEnd(16)} ${String(raw).padStart(5)} live rows (core: ${core})${deleted ? `, ${deleted} soft-deleted` : ''}${raw === core ? '' : '  (differs)'}`,
        );
      }
      if (!landed.matches) streamMismatches.push('analytics_raw');
      if (landed.matches) {
        console.log('==> marts builder (services/marts-builder, as a separate process): dbt micro-batches');
        const marts = await startServiceProcess({
          name: 'marts builder',
          entry: path.join(repoRoot, 'services', 'marts-builder', 'main.ts'),
          env: { MARTS_TICK_SECONDS: '3' },
          opsPort: demoMartsOpsPort,
          logFile: path.join(stackHome, 'logs', 'demo-marts.log'),
        });
        console.log(`    ready on ${marts.opsUrl}/readyz, logs in ${marts.logFile}`);
        try {
          await showMarts(
            pool,
            config.analyticsDatabase.url,
            process.env.DATABASE_URL_ANALYST ?? process.env.DBT_DATABASE_URL ?? config.analyticsDatabase.url,
          );
        } finally {
          const martsCode = await marts.stop();
          console.log(
            `    marts builder stopped with exit code ${martsCode} (SIGTERM: the build in hand finished)`,
          );
        }
      }
      console.log('==> pipeline health, as the dashboard sees it');
      await printPipelineHealth(ops.opsUrl);
      const holdSeconds = Number(process.env.DEMO_HOLD_SECONDS ?? 0);
      if (holdSeconds > 0) {
        console.log(`    holding the pipeline for ${holdSeconds} s (DEMO_HOLD_SECONDS): ${ops.opsUrl}/`);
        await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
      }
    } finally {
      await ops.stop();
      const sinkCode = await sink.stop();
      console.log(`    sink stopped with exit code ${sinkCode} (SIGTERM: batch committed, group left)`);
      const code = await reader.stop();
      console.log(`    reader stopped with exit code ${code} (SIGTERM: flushed, confirmed, exited)`);
    }

    if (streamMismatches.length > 0) {
      console.log(
        `    the change events of ${streamMismatches.join(', ')} differ from what the workload did`,
      );
      return 1;
    }
    console.log('    every change of the workload is in Kafka, one event per row change');
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
  return 0;
});
