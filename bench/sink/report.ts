/** The sink scenario's printed table. */
import { integer } from '../support/results.ts';
import type { runSinkBench } from './scenario.ts';

export function printSinkReport(result: Awaited<ReturnType<typeof runSinkBench>>, file: string): void {
  const { sink, copy, upsertPass: upsert } = result;
  const seconds = (n: number) => n.toFixed(1).padStart(7);
  const rate = (n: number | undefined) => (n === undefined ? '-' : integer(n)).padStart(9);
  console.log(`
sink benchmark: ${integer(result.workload.rows)} rows of ${result.workload.columns} columns on ${result.workload.partitions} partitions (${result.machine.cpus} cores, whole stack co-located)

  loader                               seconds   rows/s    rows/s after 1st batch   peak RSS
  raw sink, inserts (fresh group)      ${seconds(sink.seconds)}   ${rate(sink.rowsPerSecond)}   ${rate(sink.applyingRowsPerSecond)}                ${integer(sink.peakRssMb)} MB
  COPY FROM STDIN (psql \\copy)         ${seconds(copy.seconds)}   ${rate(copy.rowsPerSecond)}   -                        -
  ratio (ours / COPY throughput): ${result.ratio.toFixed(2)}
  raw sink, updates (upsert path)      ${seconds(upsert.seconds)}   ${rate(upsert.rowsPerSecond)}   ${rate(upsert.applyingRowsPerSecond)}                ${integer(upsert.peakRssMb)} MB

  sink: ${sink.batches} batches (${integer(sink.rowsPerBatch)} rows each on average), first batch committed ${sink.firstBatchSeconds?.toFixed(1) ?? '-'} s after start(), node ${result.nodeFlags || '(no flags)'}, compiled JavaScript
  topic filled by the replication reader at ${integer(result.prefill.readerRowsPerSecond)} rows/s
  goal ≥ 50,000 rows/s: ${result.goal.met ? 'met' : `missed (${integer(sink.rowsPerSecond)} rows/s)`}

  JSON: ${file}`);
}
