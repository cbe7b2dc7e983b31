/**
 * The Debezium scenarios as bench/main.ts calls them: each reads its options, runs, prints its table, writes
 * its JSON.
 * - debezium: capture throughput (--rows 200,000, --tx-rows 10, --format json|avro: what Debezium writes);
 * - debezium-latency: commit-to-Kafka latency (--rates 1000,5000, --seconds 20, --tx-rows 5, --connections 4);
 * - debezium-sink: Debezium's JDBC sink vs our sink (--rows 100,000, --tx-rows 100);
 * - debezium-compat: Debezium's JDBC sink reading our topic (--rows 1,000).
 */
import { PipelineError } from '../../lib/errors/index.ts';
import type { BenchEnv } from '../support/env.ts';
import { writeResult } from '../support/results.ts';
import { printCompatReport } from './compat-report.ts';
import { runDebeziumCompatBench } from './compat-scenario.ts';
import { printDebeziumLatencyReport } from './latency-report.ts';
import { runDebeziumLatencyBench } from './latency-scenario.ts';
import { printDebeziumReport } from './report.ts';
import { runDebeziumBench } from './scenario.ts';
import { printDebeziumSinkReport } from './sink-report.ts';
import { runDebeziumSinkBench } from './sink-scenario.ts';

export const debeziumScenarios = {
  debezium: ['rows', 'tx-rows', 'format'],
  'debezium-latency': ['rates', 'seconds', 'tx-rows', 'connections'],
  'debezium-sink': ['rows', 'tx-rows'],
  'debezium-compat': ['rows'],
} as const;

export type DebeziumScenario = keyof typeof debeziumScenarios;

type Option = (name: string) => string | undefined;

function integer(name: string, value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new PipelineError('INVALID_ARGUMENT', `--${name} must be an integer ≥ 1`);
  }
  return parsed;
}

function rates(value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const parsed = value.split(',').map(Number);
  if (parsed.some((rate) => !Number.isInteger(rate) || rate <= 0)) {
    throw new PipelineError(
      'INVALID_ARGUMENT',
      '--rates must be a comma-separated list of positive integers',
    );
  }
  return parsed;
}

export async function benchDebezium(
  scenario: DebeziumScenario,
  env: BenchEnv,
  option: Option,
): Promise<void> {
  if (scenario === 'debezium') {
    const format = option('format') ?? 'json';
    if (format !== 'json' && format !== 'avro') throw new Error(`--format is json or avro, not ${format}`);
    const result = await runDebeziumBench(env, {
      rows: integer('rows', option('rows'), 200_000),
      rowsPerTransaction: integer('tx-rows', option('tx-rows'), 10),
      format,
    });
    printDebeziumReport(result, writeResult(scenario, result));
  } else if (scenario === 'debezium-latency') {
    const result = await runDebeziumLatencyBench(env, {
      rates: rates(option('rates'), [1_000, 5_000]),
      seconds: integer('seconds', option('seconds'), 20),
      rowsPerTransaction: integer('tx-rows', option('tx-rows'), 5),
      connections: integer('connections', option('connections'), 4),
    });
    printDebeziumLatencyReport(result, writeResult(scenario, result));
  } else if (scenario === 'debezium-sink') {
    const result = await runDebeziumSinkBench(env, {
      rows: integer('rows', option('rows'), 100_000),
      rowsPerTransaction: integer('tx-rows', option('tx-rows'), 100),
    });
    printDebeziumSinkReport(result, writeResult(scenario, result));
  } else {
    const result = await runDebeziumCompatBench(env, { rows: integer('rows', option('rows'), 1_000) });
    printCompatReport(result, writeResult(scenario, result));
  }
}
