/** The reader scenario's printed table. */
import { integer as f } from '../support/results.ts';
import type { runReaderBench } from './scenario.ts';

export function printReaderReport(result: Awaited<ReturnType<typeof runReaderBench>>, file: string): void {
  console.log(`
reader benchmark: ${f(result.workload.rows)} rows in ${f(result.workload.transactions)} transactions (${result.machine.cpus} cores, whole stack co-located)

  decoder                      seconds   rows/s      peak RSS
  pg_recvlogical (pgoutput)    ${result.pgRecvlogical.seconds.toFixed(1).padStart(7)}   ${f(result.pgRecvlogical.rowsPerSecond).padStart(9)}   -
  replication reader → Kafka   ${result.reader.seconds.toFixed(1).padStart(7)}   ${f(result.reader.rowsPerSecond).padStart(9)}   ${f(result.reader.peakRssMb)} MB
  ratio (ours / pg_recvlogical throughput): ${result.ratio.toFixed(2)}
  reader: ${result.reader.kafkaClient} producer, node ${result.reader.nodeFlags || '(no flags)'}, compiled JavaScript

  one transaction of ${f(result.largeTransaction.rows)} rows: ${result.largeTransaction.seconds.toFixed(1)} s, ${f(result.largeTransaction.rowsPerSecond)} rows/s, peak RSS ${f(result.largeTransaction.peakRssMb)} MB

  JSON: ${file}`);
}
