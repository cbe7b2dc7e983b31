/**
 * The debezium scenario as bench/main.ts calls it: reads its options, runs, prints the table, writes the JSON.
 * Options: --rows (200,000), --tx-rows (10).
 */
import { PipelineError } from '../../lib/errors/index.ts';
import type { BenchEnv } from '../support/env.ts';
import { writeResult } from '../support/results.ts';
import { printDebeziumReport } from './report.ts';
import { runDebeziumBench } from './scenario.ts';

export const debeziumOptions = ['rows', 'tx-rows'] as const;

function integer(name: string, value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new PipelineError('INVALID_ARGUMENT', `--${name} must be an integer ≥ 1`);
  }
  return parsed;
}

export async function benchDebezium(
  env: Omit<BenchEnv, 'analyticsUrl'>,
  option: (name: string) => string | undefined,
): Promise<void> {
  const result = await runDebeziumBench(env, {
    rows: integer('rows', option('rows'), 200_000),
    rowsPerTransaction: integer('tx-rows', option('tx-rows'), 10),
  });
  printDebeziumReport(result, writeResult('debezium', result));
}
