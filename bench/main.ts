/**
 * `npm run bench -- <scenario> [options]`: measures ours next to a baseline in the same run (so the ratio holds
 * on a noisy shared machine), prints a table and writes JSON under bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PipelineError } from '../lib/errors/index.ts';
import { runMain } from '../lib/runtime/index.ts';
import { ensureStack } from '../scripts/stack/ensure.ts';
import { repoRoot } from '../scripts/stack/topology.ts';
import { runReaderBench } from './reader/scenario.ts';

const usage = `usage: npm run bench -- reader [--transactions 100000] [--rows 10] [--large-rows 1000000]`;

function positive(name: string, value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new PipelineError('INVALID_ARGUMENT', `--${name} must be a positive integer\n${usage}`);
  }
  return parsed;
}

await runMain('bench', async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      transactions: { type: 'string' },
      rows: { type: 'string' },
      'large-rows': { type: 'string' },
    },
  });
  if (positionals[0] !== 'reader') throw new PipelineError('INVALID_ARGUMENT', usage);
  const stack = await ensureStack();
  const env = { ...stack, ...process.env } as Record<string, string>;
  const result = await runReaderBench(
    {
      ownerUrl: env.DATABASE_URL_CORE_OWNER as string,
      readerUrl: env.DATABASE_URL_CORE as string,
      brokers: (env.KAFKA_BROKERS as string).split(','),
      registryUrl: env.SCHEMA_REGISTRY_URL as string,
    },
    {
      transactions: positive('transactions', values.transactions, 100_000),
      rowsPerTransaction: positive('rows', values.rows, 10),
      largeTransactionRows: positive('large-rows', values['large-rows'], 1_000_000),
    },
  );
  const directory = path.join(repoRoot, 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `reader-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`
reader benchmark: ${f(result.workload.rows)} rows in ${f(result.workload.transactions)} transactions (${result.machine.cpus} cores, whole stack co-located)

  decoder                      seconds   rows/s      peak RSS
  pg_recvlogical (pgoutput)    ${result.pgRecvlogical.seconds.toFixed(1).padStart(7)}   ${f(result.pgRecvlogical.rowsPerSecond).padStart(9)}   -
  replication reader → Kafka   ${result.reader.seconds.toFixed(1).padStart(7)}   ${f(result.reader.rowsPerSecond).padStart(9)}   ${f(result.reader.peakRssMb)} MB
  ratio (ours / pg_recvlogical throughput): ${result.ratio.toFixed(2)}
  reader: ${result.reader.kafkaClient} producer, node ${result.reader.nodeFlags || '(no flags)'}, compiled JavaScript

  one transaction of ${f(result.largeTransaction.rows)} rows: ${result.largeTransaction.seconds.toFixed(1)} s, ${f(result.largeTransaction.rowsPerSecond)} rows/s, peak RSS ${f(result.largeTransaction.peakRssMb)} MB

  JSON: ${path.relative(repoRoot, file)}`);
  return 0;
});
