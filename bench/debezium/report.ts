/** The debezium scenario's printed table. */
import { integer as f } from '../support/results.ts';
import type { runDebeziumBench } from './scenario.ts';

export function printDebeziumReport(
  result: Awaited<ReturnType<typeof runDebeziumBench>>,
  file: string,
): void {
  const d = result.debezium;
  const r = result.reader;
  console.log(`
debezium benchmark: ${f(result.workload.rows)} rows in transactions of ${f(result.workload.rowsPerTransaction)} (${result.machine.cpus} cores, whole stack co-located)

                                                  seconds   rows/s      peak RSS
  Debezium ${d.debeziumVersion}, from Connect start     ${d.secondsFromStart.toFixed(1).padStart(7)}   ${f(d.rowsPerSecondFromStart).padStart(9)}   ${f(d.peakRssMb)} MB
  Debezium, first to last event                   ${d.secondsFirstToLastEvent.toFixed(1).padStart(7)}   ${f(d.rowsPerSecondStreaming).padStart(9)}
  replication reader, from process start          ${r.secondsFromStart.toFixed(1).padStart(7)}   ${f(r.rowsPerSecondFromStart).padStart(9)}   ${f(r.peakRssMb)} MB
  replication reader, streaming                   ${r.seconds.toFixed(1).padStart(7)}   ${f(r.rowsPerSecond).padStart(9)}
  ratio (ours / Debezium throughput): ${result.ratio.oursOverDebeziumStreaming.toFixed(2)} streaming, ${result.ratio.oursOverDebeziumFromStart.toFixed(2)} from process start
  Debezium: Kafka Connect ${d.kafkaConnectVersion} standalone, ${d.converter}, start-up ${d.startupSeconds.toFixed(1)} s
  reader: ${r.kafkaClient} producer, Avro, node ${r.nodeFlags || '(no flags)'}; events ${f(r.events)} (topic ${f(r.eventsInTopic)}), Debezium topic ${f(d.events)}
  measured by other scenarios: ${result.elsewhere.join('; ')}

  JSON: ${file}`);
}
