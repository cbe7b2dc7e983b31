/**
 * Commit-to-Kafka latency of every change event already in a topic: the record's Kafka timestamp (the
 * producer's CreateTime, the broker's default) minus `source.ts_ms` (the source commit time) of its envelope.
 * Ours is Avro (decoded through the registry), Debezium's is JSON; both carry the same envelope layout.
 * Events are sorted into steps by the row's `id`: the writer hands out ids in order, so each step owns a range.
 */
import type { Admin, Kafka } from 'kafkajs';
import { readTopicsToEnd } from '../../lib/kafka/read-to-end.ts';
import { createSchemaRegistryClient } from '../../lib/registry/index.ts';
import { LatencyRecorder, type LatencySummary } from '../e2e/latency.ts';

export type EnvelopeFormat = 'avro' | 'json';

interface Envelope {
  after?: { id?: unknown } | null;
  source?: { ts_ms?: unknown };
}

/** Ids `first..last` (inclusive) were written by one step. */
export interface IdRange {
  first: number;
  last: number;
}

export interface TopicLatency {
  perStep: LatencySummary[];
  /** Records with a timestamp ≤ 0 (a producer that does not stamp its records): their latency is unknown. */
  unstamped: number;
  events: number;
}

export async function commitToKafkaLatency(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  format: EnvelopeFormat,
  registryUrl: string,
  steps: readonly IdRange[],
): Promise<TopicLatency> {
  const registry = createSchemaRegistryClient({ url: registryUrl });
  const recorders = steps.map(() => new LatencyRecorder());
  // Collected first, decoded after: the Avro decoder is async, and readTopicsToEnd's callback is not awaited.
  const records: { timestamp: number; value: Buffer }[] = [];
  await readTopicsToEnd(
    kafka,
    admin,
    [topic],
    (record) => {
      if (record.value) records.push({ timestamp: record.timestamp, value: record.value });
    },
    { timeoutMs: 5 * 60 * 1000, groupPrefix: 'bench-debezium-latency' },
  );
  let unstamped = 0;
  for (const record of records) {
    const envelope = (
      format === 'avro' ? await registry.decode(record.value) : JSON.parse(record.value.toString('utf8'))
    ) as Envelope;
    const id = Number(envelope.after?.id);
    const step = steps.findIndex((range) => id >= range.first && id <= range.last);
    if (step < 0) continue; // warm-up rows
    if (record.timestamp <= 0) {
      unstamped++;
      continue;
    }
    recorders[step]?.add([record.timestamp - Number(envelope.source?.ts_ms)]);
  }
  return { perStep: recorders.map((recorder) => recorder.summary()), unstamped, events: records.length };
}
