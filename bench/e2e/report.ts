/** The e2e scenario's printed table. */
import { integer } from '../support/results.ts';
import type { runE2eBench } from './scenario.ts';
import type { StepResult } from './step.ts';

const ms = (n: number) => integer(n).padStart(6);

function row(step: StepResult): string {
  const l = step.latencyMs;
  const verdict = step.sustained ? 'sustained' : `no (${step.limitedBy})`;
  return `  ${integer(step.offeredRowsPerSecond).padStart(8)}   ${integer(step.achievedRowsPerSecond).padStart(8)}   ${String(step.rowsPerTransaction).padStart(6)}   ${ms(l.p50)} ${ms(l.p95)} ${ms(l.p99)} ${ms(l.max)}   ${integer(step.backlog.readerRowsAtEnd).padStart(7)} ${integer(step.backlog.sinkRowsAtEnd).padStart(7)}   ${verdict}`;
}

export function printE2eReport(result: Awaited<ReturnType<typeof runE2eBench>>, file: string): void {
  const header =
    '  offered/s   achieved/s  rows/tx      p50    p95    p99    max ms   backlog: reader  sink   verdict';
  const { highestSustained: best, goals } = result;
  const limit = best.lowestFailed
    ? `lowest failed step: ${integer(best.lowestFailed.rowsPerSecond)} rows/s (limit: ${best.lowestFailed.limitedBy})`
    : 'no step failed: raise --ramp-rates';
  const writerNote =
    best.writerLimitedAt !== null
      ? `\n  the writer, not the pipeline, was the limit: it achieved ${integer(best.writerLimitedAt)} rows/s and the pipeline kept up`
      : '';
  console.log(`
e2e benchmark: commit-to-raw latency, reader and sink in their own processes (${result.machine.cpus} cores, whole stack co-located)

latency steps (${result.options.seconds} s each, ${result.options.connections} writer connections)
${header}
${result.latency.map(row).join('\n')}

throughput ramp (${result.options.rampSeconds} s each)
${header}
${result.ramp.map(row).join('\n')}

  highest sustained end-to-end rate: ${best.rowsPerSecond === null ? 'none of the ramp rates' : `${integer(best.rowsPerSecond)} rows/s`}; ${limit}${writerNote}
  writer ceiling (unpublished table, ${result.writerCeiling.rowsPerTransaction} rows/tx, pipeline running): ${integer(result.writerCeiling.rowsPerSecond)} rows/s
  sustained = ${result.criteria.sustained}
  peak RSS: reader ${integer(result.reader.peakRssMb)} MB, sink ${integer(result.sink.peakRssMb)} MB (node ${result.nodeFlags || '(no flags)'}, compiled JavaScript)
  goal p99 < 250 ms at 5,000 rows/s: ${goals.p99At5000Ms.value === null ? 'not measured (add 5000 to --rates)' : `${goals.p99At5000Ms.met ? 'met' : 'missed'} (${integer(goals.p99At5000Ms.value)} ms)`}
  goal ≥ 30,000 rows/s sustained: ${goals.sustainedRowsPerSecond.met ? 'met' : 'missed'} (${best.rowsPerSecond === null ? 'none' : integer(best.rowsPerSecond)})

  JSON: ${file}`);
}
