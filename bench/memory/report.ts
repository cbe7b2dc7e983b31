/** The memory scenario's printed table. */
import { integer as f } from '../support/results.ts';
import type { runMemoryBench } from './scenario.ts';

type Result = Awaited<ReturnType<typeof runMemoryBench>>;
type Workload = Result['snapshot'];

const line = (what: string, service: string, figures: Workload['reader']) =>
  `  ${what.padEnd(34)} ${service.padEnd(7)} ${f(figures.peakRssMb).padStart(6)} MB   ${figures.seconds.toFixed(1).padStart(7)}   ${f(figures.rowsPerSecond).padStart(9)}`;

export function printMemoryReport(result: Result, file: string): void {
  const tx = `one transaction of ${f(result.largeTransaction.rows)} rows`;
  const snapshot = `snapshot of ${f(result.snapshot.rows)} rows`;
  console.log(`
memory benchmark (${result.machine.cpus} cores, ${f(result.machine.memoryMb)} MB, whole stack co-located)

  workload                           service  peak RSS   seconds   rows/s
${line(tx, 'reader', result.largeTransaction.reader)}
${line(tx, 'sink', result.largeTransaction.sink)}
${line(snapshot, 'reader', result.snapshot.reader)}
${line(snapshot, 'sink', result.snapshot.sink)}
  each service compiled, in its own process, node ${result.nodeFlags || '(no flags)'}; peak = max RSS (getrusage)

  JSON: ${file}`);
}
