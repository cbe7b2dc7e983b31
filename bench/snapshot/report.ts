/** The snapshot scenario's printed table. */
import { integer as f } from '../support/results.ts';
import type { runSnapshotBench } from './scenario.ts';

const phases = (reader: Awaited<ReturnType<typeof runSnapshotBench>>['reader']) =>
  reader.readingSeconds === undefined || reader.setupSeconds === undefined
    ? 'not sampled'
    : `set-up ${reader.setupSeconds.toFixed(1)} s, reading and producing ${reader.readingSeconds.toFixed(1)} s ` +
      `(${f(reader.readingRowsPerSecond ?? 0)} rows/s), flush and state ` +
      `${(reader.seconds - reader.setupSeconds - reader.readingSeconds).toFixed(1)} s`;

export function printSnapshotReport(
  result: Awaited<ReturnType<typeof runSnapshotBench>>,
  file: string,
): void {
  const copyRuns = result.copy.runs.map((seconds) => seconds.toFixed(1)).join(' s, ');
  console.log(`
snapshot benchmark: ${f(result.workload.rows)} rows of ${result.workload.table} (${result.machine.cpus} cores, whole stack co-located)

  reader                               seconds   rows/s      peak RSS
  COPY (SELECT *) TO STDOUT (psql)     ${result.copy.seconds.toFixed(1).padStart(7)}   ${f(result.copy.rowsPerSecond).padStart(9)}   -
  replication reader snapshot → Kafka  ${result.reader.seconds.toFixed(1).padStart(7)}   ${f(result.reader.rowsPerSecond).padStart(9)}   ${f(result.reader.peakRssMb)} MB
  ratio (ours / COPY): ${result.ratio.toFixed(2)} (goal ≥ 0.50: ${result.goal.met ? 'met' : 'missed'})
  reader phases: ${phases(result.reader)}
  COPY runs before and after the reader: ${copyRuns} s (the faster is the baseline)
  reader: node ${result.reader.nodeFlags || '(no flags)'}, compiled JavaScript; slot creation, copy, flush and "snapshot done" included

  JSON: ${file}`);
}
