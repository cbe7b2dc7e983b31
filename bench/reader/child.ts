/**
 * Runs the reader in a process of its own (so its peak memory is its own) from a bench slot until the slot is
 * confirmed at `endLsn`, then prints one JSON line: seconds streaming, events acknowledged, peak RSS.
 * Input comes as JSON in the BENCH_READER environment variable (see reader/scenario.ts).
 * BENCH_KAFKA_CLIENT picks the producing client: platformatic (@platformatic/kafka, the reader's default) or kafkajs.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createConnectorCatalogue } from '../../connectors/catalogue.ts';
import { defineConnector } from '../../connectors/define.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { parseLsn } from '../../lib/postgres/index.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { createReaderMetrics } from '../../services/replication-reader/metrics.ts';
import { defaultBatchingOptions } from '../../services/replication-reader/producer/batching-producer.ts';
import { createSender } from '../../services/replication-reader/producer/create-sender.ts';
import { runReader } from '../../services/replication-reader/reader.ts';

interface ChildInput {
  coreUrl: string;
  ownerUrl: string;
  slot: string;
  publication: string;
  table: string;
  prefix: string;
  endLsn: string;
  brokers: string[];
  registryUrl: string;
}

const input = JSON.parse(process.env.BENCH_READER ?? '{}') as ChildInput;
const kafkaClient = process.env.BENCH_KAFKA_CLIENT ?? 'platformatic';
if (kafkaClient !== 'kafkajs' && kafkaClient !== 'platformatic') {
  throw new Error(`BENCH_KAFKA_CLIENT must be kafkajs or platformatic, not ${kafkaClient}`);
}
const kafka = new Kafka({ clientId: 'bench-reader', brokers: input.brokers, logLevel: logLevel.NOTHING });
const registry = new Registry();
const metrics = createReaderMetrics(registry);
const connector = defineConnector({
  name: input.table,
  source: { schema: 'public', table: input.table },
  destination: { table: input.table },
});
let stop: () => void = () => undefined;
const stopRequested = new Promise<void>((resolve) => {
  stop = resolve;
});
let startedAt = 0;
const owner = new pg.Client({ connectionString: input.ownerUrl });
await owner.connect();
const end = parseLsn(input.endLsn);
// One poll at a time, awaited before `owner.end()`: a poll still running when the run ends would otherwise fail
// with "Connection terminated" and crash the process (seen when the Kafka client closes quickly).
let polling: Promise<void> | undefined;
const watcher = setInterval(() => {
  polling ??= owner
    .query<{ lsn: string | null }>(
      'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
      [input.slot],
    )
    .then(({ rows }) => {
      const confirmed = rows[0]?.lsn ? parseLsn(rows[0].lsn) : 0n;
      if (confirmed >= end) stop();
    })
    .finally(() => {
      polling = undefined;
    });
}, 100);
const run = runReader(
  {
    coreUrl: input.coreUrl,
    slot: input.slot,
    publication: input.publication,
    connectors: createConnectorCatalogue([connector], input.prefix),
    kafka,
    topics: { partitions: 3, replicationFactor: 1 },
    registry: createSchemaRegistryClient({ url: input.registryUrl }),
    pseudonymisationKey: undefined,
    batching: defaultBatchingOptions,
    statusIntervalMs: 200,
    logger: createLogger({ service: 'bench-reader', level: 'warn' }),
    metrics,
    onStreaming: () => {
      startedAt = performance.now();
    },
    createSender: () =>
      createSender(kafkaClient, {
        kafka,
        connection: { clientId: 'bench-reader', bootstrapBrokers: input.brokers },
      }),
  },
  stopRequested,
);
await run;
const seconds = (performance.now() - startedAt) / 1000;
clearInterval(watcher);
await polling;
await owner.end();
const changes = (await metrics.changes.get()).values.reduce((sum, value) => sum + value.value, 0);
process.stdout.write(
  `${JSON.stringify({ seconds, events: changes, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
