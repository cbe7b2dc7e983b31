/**
 * `npm run bench -- <scenario> [options]`: measures ours next to a baseline in the same run (so the ratio holds
 * on a noisy shared machine), prints a table and writes JSON under bench/results/.
 */
import { parseArgs } from 'node:util';
import { PipelineError } from '../lib/errors/index.ts';
import { runMain } from '../lib/runtime/index.ts';
import { ensureStack } from '../scripts/stack/ensure.ts';
import { benchDebezium, type DebeziumScenario, debeziumScenarios } from './debezium/main.ts';
import { printE2eReport } from './e2e/report.ts';
import { runE2eBench } from './e2e/scenario.ts';
import { printMemoryReport } from './memory/report.ts';
import { runMemoryBench } from './memory/scenario.ts';
import { printReaderReport } from './reader/report.ts';
import { runReaderBench } from './reader/scenario.ts';
import { printSinkReport } from './sink/report.ts';
import { runSinkBench } from './sink/scenario.ts';
import { printSnapshotReport } from './snapshot/report.ts';
import { runSnapshotBench } from './snapshot/scenario.ts';
import { benchEnv } from './support/env.ts';
import { writeResult } from './support/results.ts';

const usage = `usage:
  npm run bench -- reader [--transactions 100000] [--rows 10] [--large-rows 1000000]
  npm run bench -- sink   [--rows 500000] [--tx-rows 1000]
  npm run bench -- e2e    [--rates 1000,5000] [--seconds 20] [--tx-rows 5]
                          [--ramp-rates 10000,20000,30000,40000,60000] [--ramp-seconds 15] [--ramp-tx-rows 50]
                          [--refine 2] [--connections 4]
  npm run bench -- snapshot [--rows 1000000]
  npm run bench -- memory   [--tx-rows 1000000] [--snapshot-rows 2000000]
  npm run bench -- debezium [--rows 200000] [--tx-rows 10] [--format json|avro]
  npm run bench -- debezium-latency [--rates 1000,5000] [--seconds 20] [--tx-rows 5] [--connections 4]
  npm run bench -- debezium-sink    [--rows 100000] [--tx-rows 100]
  npm run bench -- debezium-compat  [--rows 1000]`;

/** The options each scenario accepts; any other is a mistake worth stopping for. */
const accepted = {
  reader: ['transactions', 'rows', 'large-rows'],
  sink: ['rows', 'tx-rows'],
  e2e: ['rates', 'seconds', 'tx-rows', 'ramp-rates', 'ramp-seconds', 'ramp-tx-rows', 'refine', 'connections'],
  snapshot: ['rows'],
  memory: ['tx-rows', 'snapshot-rows'],
  ...debeziumScenarios,
} as const;

type Scenario = keyof typeof accepted;

function invalid(message: string): PipelineError {
  return new PipelineError('INVALID_ARGUMENT', `${message}\n${usage}`);
}

function integerOption(name: string, value: string | undefined, fallback: number, minimum = 1): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    throw invalid(`--${name} must be an integer ≥ ${minimum}`);
  }
  return parsed;
}

function ratesOption(name: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const rates = value.split(',').map(Number);
  if (rates.length === 0 || rates.some((rate) => !Number.isInteger(rate) || rate <= 0)) {
    throw invalid(`--${name} must be a comma-separated list of positive integers (rows per second)`);
  }
  return rates;
}

await runMain('bench', async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: Object.fromEntries(
      [...new Set(Object.values(accepted).flat())].map((name) => [name, { type: 'string' as const }]),
    ) as Record<string, { type: 'string' }>,
  });
  const scenario = positionals[0] as Scenario;
  if (positionals.length !== 1 || !(scenario in accepted)) throw invalid('name one scenario');
  const stray = Object.keys(values).filter(
    (name) => !(accepted[scenario] as readonly string[]).includes(name),
  );
  if (stray.length > 0) throw invalid(`${scenario} does not take --${stray.join(', --')}`);
  const option = (name: string) => values[name] as string | undefined;

  const stack = await ensureStack();
  const env = benchEnv({ ...stack, ...process.env });
  if (scenario === 'reader') {
    const result = await runReaderBench(env, {
      transactions: integerOption('transactions', option('transactions'), 100_000),
      rowsPerTransaction: integerOption('rows', option('rows'), 10),
      largeTransactionRows: integerOption('large-rows', option('large-rows'), 1_000_000),
    });
    printReaderReport(result, writeResult('reader', result));
  } else if (scenario === 'sink') {
    const result = await runSinkBench(env, {
      rows: integerOption('rows', option('rows'), 500_000),
      rowsPerTransaction: integerOption('tx-rows', option('tx-rows'), 1_000),
    });
    printSinkReport(result, writeResult('sink', result));
  } else if (scenario === 'snapshot') {
    const result = await runSnapshotBench(env, { rows: integerOption('rows', option('rows'), 1_000_000) });
    printSnapshotReport(result, writeResult('snapshot', result));
  } else if (scenario === 'memory') {
    const result = await runMemoryBench(env, {
      transactionRows: integerOption('tx-rows', option('tx-rows'), 1_000_000),
      snapshotRows: integerOption('snapshot-rows', option('snapshot-rows'), 2_000_000),
    });
    printMemoryReport(result, writeResult('memory', result));
  } else if (scenario in debeziumScenarios) {
    await benchDebezium(scenario as DebeziumScenario, env, option);
  } else {
    const result = await runE2eBench(env, {
      rates: ratesOption('rates', option('rates'), [1_000, 5_000]),
      seconds: integerOption('seconds', option('seconds'), 20),
      rowsPerTransaction: integerOption('tx-rows', option('tx-rows'), 5),
      rampRates: ratesOption('ramp-rates', option('ramp-rates'), [10_000, 20_000, 30_000, 40_000, 60_000]),
      rampSeconds: integerOption('ramp-seconds', option('ramp-seconds'), 15),
      rampRowsPerTransaction: integerOption('ramp-tx-rows', option('ramp-tx-rows'), 50),
      refine: integerOption('refine', option('refine'), 2, 0),
      connections: integerOption('connections', option('connections'), 4),
    });
    printE2eReport(result, writeResult('e2e', result));
  }
  return 0;
});
