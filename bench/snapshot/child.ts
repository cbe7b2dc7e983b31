/**
 * Runs the reader in a process of its own (so its peak memory is its own) on a slot that does not exist yet, so
 * it creates the slot with an exported snapshot and copies the bench table into Kafka; it stops as soon as the
 * reader starts streaming (the copy is flushed to Kafka and the slot marked done by then). Prints one JSON line:
 * seconds from runReader() to streaming, rows the snapshot read, peak RSS.
 * Input comes as JSON in the BENCH_SNAPSHOT environment variable (see snapshot/source.ts); BENCH_KAFKA_CLIENT
 * picks the producing client as for the reader scenario (platformatic, the default, or kafkajs).
 */
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { createConnectorCatalogue } from '../../connectors/catalogue.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { createReaderMetrics } from '../../services/replication-reader/metrics.ts';
import { defaultBatchingOptions } from '../../services/replication-reader/producer/batching-producer.ts';
import { createSender } from '../../services/replication-reader/producer/create-sender.ts';
import { runReader } from '../../services/replication-reader/reader.ts';
import { benchConnector } from '../support/core-table.ts';
import type { SnapshotChildInput } from './source.ts';

const input = JSON.parse(process.env.BENCH_SNAPSHOT ?? '{}') as SnapshotChildInput;
const kafkaClient = process.env.BENCH_KAFKA_CLIENT ?? 'platformatic';
if (kafkaClient !== 'kafkajs' && kafkaClient !== 'platformatic') {
  throw new Error(`BENCH_KAFKA_CLIENT must be kafkajs or platformatic, not ${kafkaClient}`);
}
const kafka = new Kafka({ clientId: 'bench-snapshot', brokers: input.brokers, logLevel: logLevel.NOTHING });
const metrics = createReaderMetrics(new Registry());
let stop: () => void = () => undefined;
const stopRequested = new Promise<void>((resolve) => {
  stop = resolve;
});
let doneAt: number | undefined;
const started = performance.now();
// When the first and the last rows were read (the copy phase, without slot and topic set-up, flush and state).
let firstRowAt: number | undefined;
let lastRowAt: number | undefined;
let lastCount = 0;
const watcher = setInterval(() => {
  void metrics.snapshotRows.get().then(({ values }) => {
    const count = values.reduce((sum, value) => sum + value.value, 0);
    if (count > 0) firstRowAt ??= performance.now();
    if (count > lastCount) lastRowAt = performance.now();
    lastCount = count;
  });
}, 50);
await runReader(
  {
    coreUrl: input.coreUrl,
    slot: input.slot,
    publication: input.publication,
    connectors: createConnectorCatalogue([benchConnector], input.prefix),
    kafka,
    topics: { partitions: 3, replicationFactor: 1 },
    registry: createSchemaRegistryClient({ url: input.registryUrl }),
    pseudonymisationKey: undefined,
    batching: defaultBatchingOptions,
    statusIntervalMs: 200,
    logger: createLogger({ service: 'bench-snapshot', level: 'warn' }),
    metrics,
    // The initial copy runs before streaming starts: reaching this point means the snapshot is done.
    onStreaming: () => {
      doneAt = performance.now();
      stop();
    },
    createSender: () =>
      createSender(kafkaClient, {
        kafka,
        connection: { clientId: 'bench-snapshot', bootstrapBrokers: input.brokers },
      }),
  },
  stopRequested,
);
clearInterval(watcher);
if (doneAt === undefined) throw new Error('the reader stopped before its snapshot was done');
const rows = (await metrics.snapshotRows.get()).values.reduce((sum, value) => sum + value.value, 0);
process.stdout.write(
  `${JSON.stringify({
    seconds: (doneAt - started) / 1000,
    readingSeconds: firstRowAt && lastRowAt ? (lastRowAt - firstRowAt) / 1000 : undefined,
    setupSeconds: firstRowAt ? (firstRowAt - started) / 1000 : undefined,
    rows,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
