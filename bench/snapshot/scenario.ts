/**
 * `npm run bench -- snapshot`: the reader's initial snapshot of a table into Kafka next to
 * `COPY (SELECT * FROM t) TO STDOUT` of the same table, in the same run on the same machine.
 *
 * The table is filled once; COPY runs before and after the reader (the faster of the two is the baseline, so a
 * noisy neighbour during one of them does not flatter the ratio). The reader runs compiled and heap-capped in
 * its own process, on a fresh slot and topic prefix, from runReader() until it streams: slot creation with an
 * exported snapshot, topic creation, the copy, the flush to Kafka and the "snapshot done" state all included.
 */
import os from 'node:os';
import { topicOf } from '../../connectors/catalogue.ts';
import { benchNodeFlags } from '../support/compiled.ts';
import { benchConnector, benchTable, dropCoreDatabase } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { withDatabase } from '../support/postgres.ts';
import { copyOut, createSnapshotSource, runSnapshotChild } from './source.ts';

export interface SnapshotBenchOptions {
  rows: number;
}

const progress = (message: string) => process.stderr.write(`bench snapshot: ${message}\n`);

export async function runSnapshotBench(env: BenchEnv, options: SnapshotBenchOptions) {
  const suffix = runSuffix();
  const database = `bench_snapshot_${suffix}`;
  const slot = `bench_snapshot_${suffix}`;
  const prefix = `benchsnap${suffix}`;
  const topic = topicOf(benchConnector, prefix);
  const ownerUrl = withDatabase(env.ownerUrl, database);
  try {
    progress(`filling ${benchTable} with ${options.rows} rows`);
    const fillStarted = performance.now();
    await createSnapshotSource(env, database, slot, options.rows);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    progress('baseline: COPY (SELECT * …) TO STDOUT');
    const copyBefore = await copyOut(ownerUrl, benchTable);
    progress('replication reader: initial snapshot into Kafka');
    const reader = runSnapshotChild(env, database, slot, prefix);
    progress('baseline again');
    const copyAfter = await copyOut(ownerUrl, benchTable);

    const admin = benchKafka(env.brokers).admin();
    await admin.connect();
    const { ends, total } = await topicEnds(admin, topic).finally(() => admin.disconnect());
    // Every row, then the table's snapshot end on every partition.
    const expected = options.rows + Object.keys(ends).length;
    if (total !== expected) throw new Error(`${topic} holds ${total} messages, expected ${expected}`);

    const copySeconds = Math.min(copyBefore, copyAfter);
    const copyRate = options.rows / copySeconds;
    const readerRate = options.rows / reader.seconds;
    return {
      scenario: 'snapshot',
      machine: { cpus: os.cpus().length },
      workload: { rows: options.rows, table: benchTable, fillSeconds },
      copy: { seconds: copySeconds, runs: [copyBefore, copyAfter], rowsPerSecond: copyRate },
      reader: {
        nodeFlags: benchNodeFlags().join(' '),
        seconds: reader.seconds,
        setupSeconds: reader.setupSeconds,
        readingSeconds: reader.readingSeconds,
        readingRowsPerSecond: reader.readingSeconds ? options.rows / reader.readingSeconds : undefined,
        snapshotRows: reader.rows,
        messages: total,
        rowsPerSecond: readerRate,
        peakRssMb: reader.maxRssBytes / 1024 / 1024,
      },
      ratio: readerRate / copyRate,
      goal: { ratio: 0.5, met: readerRate / copyRate >= 0.5 },
    };
  } finally {
    await dropCoreDatabase(env.ownerUrl, env.readerUrl, database, slot);
    await removeKafkaArtefacts(env.brokers, env.registryUrl, prefix, [], [topic]).catch((error: unknown) =>
      progress(`could not remove the Kafka topics: ${String(error)}`),
    );
  }
}
