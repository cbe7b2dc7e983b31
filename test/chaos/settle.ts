/**
 * "The pipeline has settled": the reader confirmed every change core had written when the workload ended (so
 * every change is in Kafka), then the sinks' cursor in the analytics database reached the end of every partition
 * of every change topic (so every message is applied). Both waits are bounded; a timeout says where each stage
 * stands, per slot and per partition.
 */
import { Kafka, logLevel } from 'kafkajs';
import { allConnectors, connectorCatalogue } from '../../connectors/index.ts';
import { queryOnce } from '../support/query-once.ts';
import type { ChaosEnvironment } from './environment.ts';

export interface SettleResult {
  /** core's WAL position when the workload had ended, and when the slot confirmed it. */
  targetLsn: string;
  readerMs: number;
  sinkMs: number;
  /** Messages per topic (sum of partition end offsets) that the sinks had to reach. */
  topicMessages: Record<string, number>;
  /** Partitions whose stored cursor is past the partition's end: offsets the broker lost and will reuse. */
  cursorAhead: string[];
  /** Messages in the change topics' dead-letter topics: with no poison in the workload, each one is a bug. */
  deadLetters: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries a probe through a moment of unavailability (a fault's victim still recovering). */
async function until(
  probe: () => Promise<{ done: boolean; state: string }>,
  what: string,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  let state = 'not probed yet';
  for (;;) {
    try {
      const result = await probe();
      state = result.state;
      if (result.done) return Date.now() - started;
    } catch (error) {
      state = `probe failed: ${(error as Error).message}`;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms; last state: ${state}`);
    await sleep(500);
  }
}

export async function settle(environment: ChaosEnvironment, timeoutMs: number): Promise<SettleResult> {
  const [{ lsn: targetLsn } = { lsn: '0/0' }] = await queryOnce<{ lsn: string }>(
    environment.coreOwnerUrl,
    'SELECT pg_current_wal_lsn()::text AS lsn',
  );
  const readerMs = await until(
    async () => {
      const rows = await queryOnce<{ confirmed: string | null; ok: boolean }>(
        environment.coreOwnerUrl,
        `SELECT confirmed_flush_lsn::text AS confirmed, confirmed_flush_lsn >= $2::pg_lsn AS ok
           FROM pg_replication_slots WHERE slot_name = $1`,
        [environment.slot, targetLsn],
      );
      return {
        done: rows[0]?.ok === true,
        state: `slot confirmed ${rows[0]?.confirmed ?? 'no slot'} of ${targetLsn}`,
      };
    },
    'the reader confirming every change',
    timeoutMs,
  );

  const kafka = new Kafka({
    clientId: 'chaos-settle',
    brokers: environment.broker.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const catalogue = connectorCatalogue(environment.prefix);
    const topics = allConnectors.map((connector) => catalogue.topicOf(connector));
    const ends = new Map<string, string>();
    const topicMessages: Record<string, number> = {};
    for (const topic of topics) {
      for (const end of await admin.fetchTopicOffsets(topic)) {
        ends.set(`${topic}/${end.partition}`, end.high);
        topicMessages[topic] = (topicMessages[topic] ?? 0) + Number(end.high);
      }
    }
    let cursorAhead: string[] = [];
    const sinkMs = await until(
      async () => {
        const rows = await queryOnce<{ topic: string; partition: number; next_offset: string }>(
          environment.analyticsUrl,
          'SELECT topic, partition, next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1',
          [environment.groupId],
        );
        const stored = new Map(rows.map((row) => [`${row.topic}/${row.partition}`, row.next_offset]));
        const behind = [...ends].filter(
          ([key, end]) => end !== '0' && BigInt(stored.get(key) ?? '0') < BigInt(end),
        );
        cursorAhead = [...ends]
          .filter(([key, end]) => BigInt(stored.get(key) ?? '0') > BigInt(end))
          .map(([key, end]) => `${key}: cursor ${stored.get(key)}, end ${end}`);
        const state = behind
          .map(([key, end]) => `${key} at ${stored.get(key) ?? 'none'} of ${end}`)
          .join(', ');
        return { done: behind.length === 0, state: state || 'caught up' };
      },
      "the sinks' cursor reaching every partition's end",
      timeoutMs,
    );
    const deadLetters: Record<string, number> = {};
    for (const topic of await admin.listTopics()) {
      if (!topic.startsWith(`${environment.prefix}.`) || !topic.endsWith('.dlq')) continue;
      const ends = await admin.fetchTopicOffsets(topic);
      deadLetters[topic] = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    }
    return { targetLsn, readerMs, sinkMs, topicMessages, cursorAhead, deadLetters };
  } finally {
    await admin.disconnect();
  }
}
