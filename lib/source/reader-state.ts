/**
 * The replication reader's own durable state, in a compacted single-partition Kafka topic (the reader role may
 * not write to the core database). Shared here because the operator CLI reads it too.
 * - Under the slot's name: whether the initial snapshot of that slot finished. This must survive a crash between
 *   creating the slot and finishing the copy: a slot whose snapshot is marked `in-progress` is dropped and the
 *   snapshot redone (duplicates are harmless downstream; a missing row is not).
 * - Under `<slot>/snapshot/<table>`: the progress of an incremental snapshot of one table, so it resumes after a
 *   crash and `cdc snapshot` can show it.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

export interface SlotState {
  snapshot: 'in-progress' | 'done';
  consistentPoint: string;
  /** Connector names whose rows the snapshot copied (absent in states written before this field existed). */
  tables?: string[];
  updatedAt: string;
}

export function stateTopic(prefix: string): string {
  return `${prefix}.cdc-reader-state`;
}

export async function ensureStateTopic(
  admin: Admin,
  topic: string,
  replicationFactor: number,
): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  await admin
    .createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    })
    .catch(async (error: unknown) => {
      if (!(await admin.listTopics()).includes(topic)) throw error;
    });
}

/**
 * Every key's latest value in the (small, compacted) state topic, read to its end. `select` picks the keys to
 * keep. A throwaway consumer group: this read never commits offsets, and the group is deleted afterwards.
 */
export async function readStates(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  select: (key: string) => boolean,
): Promise<Map<string, unknown>> {
  const states = new Map<string, unknown>();
  const offsets = await admin.fetchTopicOffsets(topic);
  const end = Number(offsets[0]?.high ?? 0);
  if (end === 0) return states;
  const groupId = `cdc-reader-state-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, retry: { retries: 5 } });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`could not read ${topic} to its end within 30 s`)),
        30_000,
      );
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            const key = String(message.key);
            if (select(key)) {
              if (message.value) states.set(key, JSON.parse(String(message.value)));
              else states.delete(key);
            }
            if (Number(message.offset) + 1 >= end) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return states;
}

/** The latest state of `slot`, or undefined when none was ever written. */
export async function readSlotState(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  slot: string,
): Promise<SlotState | undefined> {
  return (await readStates(kafka, admin, topic, (key) => key === slot)).get(slot) as SlotState | undefined;
}

export async function writeSlotState(
  kafka: Kafka,
  topic: string,
  slot: string,
  state: SlotState,
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: slot, value: JSON.stringify(state) }] });
  } finally {
    await producer.disconnect();
  }
}

/** Progress of an incremental snapshot of one table (services/replication-reader/snapshot/incremental.ts). */
export interface TableSnapshotState {
  id: string;
  /** Connector name. */
  table: string;
  status: 'running' | 'done' | 'failed';
  /** Key of the last row copied (text form, key column order); null before the first chunk. */
  lastKey: string[] | null;
  rows: number;
  /** Row count when the snapshot started (progress only: the table may change meanwhile). */
  total: number | null;
  chunks: number;
  /**
   * The first chunk's low watermark (an LSN): below every position the snapshot writes. Its snapshot end marks
   * older raw rows deleted. Absent in states written before snapshot ends existed.
   */
  reconcileBelow?: string;
  error?: string;
  requestedAt: string;
  updatedAt: string;
}

export function tableSnapshotKey(slot: string, table: string): string {
  return `${slot}/snapshot/${table}`;
}

/** 0 to 1, capped at 0.99 until done (the total is the row count when it started; the table may grow). */
export function snapshotProgressRatio(state: TableSnapshotState): number {
  if (state.status === 'done') return 1;
  if (!state.total) return state.rows > 0 ? 0.99 : 0;
  return Math.min(0.99, state.rows / state.total);
}
