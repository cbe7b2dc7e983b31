/**
 * Following an incremental snapshot from the reader's state topic (snapshot/incremental.ts writes it after
 * acknowledged chunks): a throwaway consumer reads the topic from the start and keeps the latest state of one
 * key; `renderProgress` draws the bar.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { snapshotProgressRatio, type TableSnapshotState } from '../../../lib/source/reader-state.ts';

export interface ProgressFollower {
  latest(): TableSnapshotState | undefined;
  close(): Promise<void>;
}

export async function followSnapshotState(
  kafka: Kafka,
  topic: string,
  key: string,
  id: string,
): Promise<ProgressFollower> {
  const groupId = `cdc-snapshot-follow-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, retry: { retries: 5 } });
  let latest: TableSnapshotState | undefined;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (String(message.key) !== key || !message.value) return;
      const state = JSON.parse(String(message.value)) as TableSnapshotState;
      if (state.id === id) latest = state;
    },
  });
  return {
    latest: () => latest,
    close: async () => {
      await consumer.disconnect().catch(() => undefined);
      const admin = kafka.admin();
      await admin.connect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}

const number = (value: number) => value.toLocaleString('en-US');

/** `items  [#########...........]  45%  4,500 / 10,000 rows` (the total is the count when it started). */
export function renderProgress(table: string, state: TableSnapshotState | undefined, width = 30): string {
  if (!state) return `${table}  waiting for the reader to pick up the request`;
  const ratio = snapshotProgressRatio(state);
  const filled = Math.round(ratio * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const total = state.total === null ? '?' : number(state.total);
  return `${table}  ${bar} ${String(Math.floor(ratio * 100)).padStart(3)}%  ${number(state.rows)} / ${total} rows  ${state.status}`;
}
