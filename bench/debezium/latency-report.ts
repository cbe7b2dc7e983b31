/** The debezium-latency scenario's printed table. */
import type { LatencySummary } from '../e2e/latency.ts';
import { integer } from '../support/results.ts';
import type { runDebeziumLatencyBench } from './latency-scenario.ts';

const ms = (n: number) => integer(n).padStart(6);
const cells = (l: LatencySummary | undefined) =>
  l
    ? `${ms(l.p50)} ${ms(l.p95)} ${ms(l.p99)} ${ms(l.max)}   ${integer(l.count).padStart(7)}`
    : '   (no events)';

export function printDebeziumLatencyReport(
  result: Awaited<ReturnType<typeof runDebeziumLatencyBench>>,
  file: string,
): void {
  const rows = result.steps.flatMap((step) => [
    `  ${integer(step.offeredRowsPerSecond).padStart(8)}   ${integer(step.achievedRowsPerSecond).padStart(8)}   ours          ${cells(step.oursMs)}`,
    `  ${''.padStart(8)}   ${''.padStart(8)}   Debezium      ${cells(step.debeziumMs)}`,
  ]);
  const unstamped =
    result.unstamped.ours + result.unstamped.debezium > 0
      ? `\n  records without a timestamp (left out): ours ${result.unstamped.ours}, Debezium ${result.unstamped.debezium}`
      : '';
  console.log(`
debezium-latency benchmark: commit-to-Kafka latency, both capturing the same workload concurrently (${result.machine.cpus} cores, whole stack co-located)
  ${result.options.seconds} s per rate, ${result.options.rowsPerTransaction} rows per transaction, ${result.options.connections} writer connections

  offered/s   achieved/s  system           p50    p95    p99    max ms    events
${rows.join('\n')}${unstamped}
  Debezium ${result.debezium.debeziumVersion} on Kafka Connect ${result.debezium.kafkaConnectVersion}, ${result.debezium.converter}, peak RSS ${integer(result.debezium.peakRssMb)} MB
  ours: replication reader (production wiring, compiled, node ${result.reader.nodeFlags || '(no flags)'}), peak RSS ${integer(result.reader.peakRssMb)} MB
  latency = Kafka record timestamp (producer CreateTime) - source.ts_ms (commit time, ms resolution)

  JSON: ${file}`);
}
