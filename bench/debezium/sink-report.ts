/** The debezium-sink scenario's printed table. */
import { integer as f } from '../support/results.ts';
import type { runDebeziumSinkBench } from './sink-scenario.ts';

const s = (n: number) => n.toFixed(1).padStart(7);

export function printDebeziumSinkReport(
  result: Awaited<ReturnType<typeof runDebeziumSinkBench>>,
  file: string,
): void {
  const j = result.jdbcSink;
  const o = result.ours;
  console.log(`
debezium-sink benchmark: ${f(result.workload.rows)} insert events into a scratch analytics database (${result.machine.cpus} cores, whole stack co-located)

                                                    seconds    rows/s     peak RSS
  Debezium JDBC sink ${j.version}, from JVM start   ${s(j.secondsFromProcessStart)}   ${f(j.rowsPerSecondFromProcessStart).padStart(8)}   ${f(j.peakRssMb)} MB
  Debezium JDBC sink, first row to N rows           ${s(j.secondsFromFirstRow)}   ${f(j.rowsPerSecondFromFirstRow).padStart(8)}
  raw sink, from process start                      ${s(o.secondsFromProcessStart)}   ${f(o.rowsPerSecondFromProcessStart).padStart(8)}   ${f(o.peakRssMb)} MB
  raw sink, from start() (group join included)      ${s(o.secondsFromStart)}   ${f(o.rowsPerSecondFromStart).padStart(8)}
  raw sink, first batch to end offsets              ${s(o.secondsFromFirstBatch)}   ${f(o.rowsPerSecondFromFirstBatch).padStart(8)}
  ratio (ours / JDBC sink throughput): ${result.ratio.oursOverJdbcFromProcessStart.toFixed(2)} from process start, ${result.ratio.oursOverJdbcFromFirstRow.toFixed(2)} once rows flow
  JDBC sink: Kafka Connect ${j.kafkaConnectVersion} standalone, ${j.converter}, defaults (batch.size 500), start-up ${j.startupSeconds.toFixed(1)} s
  raw sink: Avro via the registry, cursor in the same transaction, node ${o.nodeFlags || '(no flags)'}

  JSON: ${file}`);
}
