/**
 * Incremental snapshots requested by an operator during the run (`cdc snapshot <table> --no-wait`, the real
 * CLI): the reader re-reads the table in chunks while changes stream and faults strike, and must neither lose a
 * change nor overwrite a newer version with an older copy. Before the run settles, each request is followed in
 * the reader's state topic until it is done.
 */
import { Kafka, logLevel } from 'kafkajs';
import { readTopicsToEnd } from '../../lib/kafka/read-to-end.ts';
import { stateTopic, tableSnapshotKey } from '../../lib/source/reader-state.ts';
import { followSnapshotState } from '../../services/ops/cli/snapshot-progress.ts';
import { runCdc } from '../support/cdc-cli.ts';
import type { ChaosEnvironment } from './environment.ts';

/** Tables re-read, in turn: the busiest one first. */
const tables = ['stat_events', 'missions', 'widget_missions'] as const;

export interface SnapshotRequest {
  table: string;
  id: string;
  atSeconds: number;
  attempts: number;
  /** As the reader's state topic says at the end: done, failed, or not finished in time. */
  status?: string;
  rows?: number;
  chunks?: number;
}

/** One state the reader wrote for a snapshot (ids, keys and positions only). */
export interface SnapshotStateRecord {
  offset: string;
  id: string;
  status: string;
  chunks: number;
  rows: number;
  lastKey: string[] | null;
  reconcileBelow?: string;
  updatedAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SnapshotRequests {
  readonly requests: SnapshotRequest[] = [];

  constructor(
    private readonly environment: ChaosEnvironment,
    private readonly clock: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** Asks for one; a request that fails (core or the broker down) is asked again, bounded. */
  async request(index: number): Promise<void> {
    const table = tables[index % tables.length] as string;
    const atSeconds = this.clock();
    for (let attempt = 1; ; attempt++) {
      const result = await runCdc(['snapshot', table, '--no-wait'], this.environment.readerEnv(), 60_000);
      const id = /request (\S+),/.exec(result.stdout)?.[1];
      if (result.code === 0 && id) {
        this.requests.push({ table, id, atSeconds, attempts: attempt });
        this.log(`incremental snapshot of ${table} requested (${id}, ${attempt} attempt(s))`);
        return;
      }
      if (attempt >= 20)
        throw new Error(`cdc snapshot ${table} kept failing: ${result.stderr.trim().split('\n').at(-1)}`);
      await sleep(2_000);
    }
  }

  /**
   * Every state the reader wrote for the snapshots of this slot, in order (after a failure: which chunk a
   * restarted reader resumed from, and the position its snapshot end reconciles below).
   */
  async history(): Promise<SnapshotStateRecord[]> {
    const kafka = new Kafka({
      clientId: 'chaos-history',
      brokers: this.environment.broker.brokers,
      logLevel: logLevel.NOTHING,
    });
    const records: SnapshotStateRecord[] = [];
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The reader writes its state in transactions: the topic ends with markers, which read-to-end.ts handles.
      await readTopicsToEnd(
        kafka,
        admin,
        [stateTopic(this.environment.prefix)],
        (record) => {
          if (!String(record.key).startsWith(`${this.environment.slot}/snapshot/`) || !record.value) return;
          const state = JSON.parse(String(record.value)) as SnapshotStateRecord;
          const { id, status, chunks, rows, lastKey, reconcileBelow, updatedAt } = state;
          records.push({
            offset: String(record.offset),
            id,
            status,
            chunks,
            rows,
            lastKey,
            reconcileBelow,
            updatedAt,
          });
        },
        { timeoutMs: 30_000, groupPrefix: 'chaos-history' },
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return records.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  }

  /** Follows every request until the reader reports it done or failed (bounded). */
  async waitDone(timeoutMs: number): Promise<void> {
    const kafka = new Kafka({
      clientId: 'chaos-snapshots',
      brokers: this.environment.broker.brokers,
      logLevel: logLevel.NOTHING,
    });
    const deadline = Date.now() + timeoutMs;
    for (const request of this.requests) {
      const follower = await followSnapshotState(
        kafka,
        stateTopic(this.environment.prefix),
        tableSnapshotKey(this.environment.slot, request.table),
        request.id,
      );
      try {
        for (;;) {
          const state = follower.latest();
          request.status = state?.status ?? 'not picked up';
          request.rows = state?.rows;
          request.chunks = state?.chunks;
          if (state?.status === 'done' || state?.status === 'failed' || Date.now() > deadline) break;
          await sleep(500);
        }
      } finally {
        await follower.close();
      }
      this.log(`incremental snapshot of ${request.table}: ${request.status} (${request.rows ?? 0} rows)`);
    }
    const unfinished = this.requests.filter((request) => request.status !== 'done');
    if (unfinished.length > 0)
      throw new Error(
        `incremental snapshots not done: ${unfinished.map((r) => `${r.table} ${r.id} ${r.status}`).join(', ')}`,
      );
  }
}
