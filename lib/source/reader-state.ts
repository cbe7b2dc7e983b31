/**
 * The replication reader's own durable state, in a compacted single-partition Kafka topic (the reader role may
 * not write to the core database). Shared here because the operator CLI reads it too; the reader writes it only
 * through reader-state-store.ts (fenced, transactional), so readers see committed writes only.
 * - Under the slot's name: the initial snapshot of that slot. The intent (`creating`) is written before the slot
 *   is created, its consistent point (`in-progress`) right after, `done` once the copy finished. A reader that
 *   finds its slot with an unfinished snapshot drops the slot and starts over (duplicates are harmless
 *   downstream; a missing row is not). See services/replication-reader/snapshot/slot-start.ts.
 * - Under `<slot>/snapshot/<table>`: the progress of an incremental snapshot of one table, so it resumes after a
 *   crash and `cdc snapshot` can show it.
 * - Under `<slot>/columns/<table>`: the columns whose values raw holds for every row of the table (the last
 *   copy's), so a column PostgreSQL fills without the WAL is noticed even across restarts
 *   (services/replication-reader/snapshot/column-coverage.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { readTopicsToEnd } from '../kafka/read-to-end.ts';
import { parseLsn } from '../postgres/index.ts';

/** `creating` before the slot exists, `in-progress` once it does (copying), `done` after the copy. */
export type SlotSnapshotStatus = 'creating' | 'in-progress' | 'done';

export interface SlotState {
  status: SlotSnapshotStatus;
  /**
   * The only field a reader of the previous version looks at (it knows `in-progress` and `done`): written as
   * `in-progress` until done, so a rolled-back reader still drops a slot whose snapshot never finished.
   */
  snapshot: 'in-progress' | 'done';
  /** Random id of the run that created the slot (absent in states written before this field existed). */
  instance?: string;
  /** The slot's consistent point; absent while `creating` (the slot does not exist yet). */
  consistentPoint?: string;
  /** Connector names whose rows the snapshot copied (absent in states written before this field existed). */
  tables?: string[];
  updatedAt: string;
}

/** A fresh id for the run that creates (or adopts) a slot, recorded in each of its slot states. */
export function newInstanceId(): string {
  return randomBytes(6).toString('hex');
}

export function slotState(
  status: SlotSnapshotStatus,
  fields: { instance: string; consistentPoint?: string; tables?: string[] },
): SlotState {
  return {
    status,
    snapshot: status === 'done' ? 'done' : 'in-progress',
    ...fields,
    updatedAt: new Date().toISOString(),
  };
}

const statuses: ReadonlySet<string> = new Set(['creating', 'in-progress', 'done']);

const isLsnText = (value: unknown): value is string => {
  try {
    parseLsn(value as string);
    return true;
  } catch {
    return false;
  }
};

/**
 * A stored slot state, from this version or the previous one (`{ snapshot, consistentPoint, tables? }`);
 * undefined when it is none of those (a reader must then assume nothing about the slot's snapshot).
 */
export function parseSlotState(value: unknown): SlotState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stored = value as Record<string, unknown>;
  const status = stored.status ?? stored.snapshot;
  if (typeof status !== 'string' || !statuses.has(status)) return undefined;
  // Only the intent may lack a consistent point; a malformed one is not trusted either.
  const { consistentPoint } = stored;
  if (consistentPoint === undefined ? status !== 'creating' : !isLsnText(consistentPoint)) return undefined;
  const tables = Array.isArray(stored.tables)
    ? stored.tables.filter((table): table is string => typeof table === 'string')
    : undefined;
  return {
    status: status as SlotSnapshotStatus,
    snapshot: status === 'done' ? 'done' : 'in-progress',
    instance: typeof stored.instance === 'string' ? stored.instance : undefined,
    consistentPoint: consistentPoint as string | undefined,
    tables,
    updatedAt: typeof stored.updatedAt === 'string' ? stored.updatedAt : '',
  };
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
 * Every key's latest committed value in the (small, compacted) state topic, read to its end (read-to-end.ts:
 * committed messages only, and an end made of transaction markers is still reached). `select` picks the keys
 * to keep. Records written without a transaction (by earlier readers) are read as well.
 */
export async function readStates(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  select: (key: string) => boolean,
): Promise<Map<string, unknown>> {
  const states = new Map<string, unknown>();
  await readTopicsToEnd(
    kafka,
    admin,
    [topic],
    (record) => {
      const key = String(record.key);
      if (!select(key)) return;
      if (record.value) states.set(key, JSON.parse(String(record.value)));
      else states.delete(key);
    },
    { timeoutMs: 30_000, groupPrefix: 'cdc-reader-state' },
  );
  return states;
}

/** The latest state of `slot`, or undefined when none was ever written (or none this version understands). */
export async function readSlotState(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  slot: string,
): Promise<SlotState | undefined> {
  return parseSlotState((await readStates(kafka, admin, topic, (key) => key === slot)).get(slot));
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

/** A snapshot of `table` just requested (request `id`): running, nothing copied yet. */
export function requestedTableSnapshot(id: string, table: string): TableSnapshotState {
  const now = new Date().toISOString();
  return {
    id,
    table,
    status: 'running',
    lastKey: null,
    rows: 0,
    total: null,
    chunks: 0,
    requestedAt: now,
    updatedAt: now,
  };
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

/** One column as a copy of the table read it: name, type (oid and modifier) and position. */
export interface CoveredColumn {
  name: string;
  typeOid: number;
  typeModifier: number;
  attnum: number;
}

/** The columns the last copy of a table (initial or incremental) read for every row. */
export interface TableColumnsState {
  /** Connector name. */
  table: string;
  columns: CoveredColumn[];
  updatedAt: string;
}

export function tableColumnsKey(slot: string, table: string): string {
  return `${slot}/columns/${table}`;
}

const isInteger = (value: unknown): value is number => Number.isInteger(value);

/** A stored column coverage, or undefined when it is not one (a reader then knows nothing of that table). */
export function parseTableColumnsState(value: unknown): TableColumnsState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stored = value as Record<string, unknown>;
  if (typeof stored.table !== 'string' || !Array.isArray(stored.columns)) return undefined;
  const columns: CoveredColumn[] = [];
  for (const column of stored.columns as Record<string, unknown>[]) {
    if (
      typeof column?.name !== 'string' ||
      !isInteger(column.typeOid) ||
      !isInteger(column.typeModifier) ||
      !isInteger(column.attnum)
    ) {
      return undefined;
    }
    columns.push({
      name: column.name,
      typeOid: column.typeOid,
      typeModifier: column.typeModifier,
      attnum: column.attnum,
    });
  }
  return {
    table: stored.table,
    columns,
    updatedAt: typeof stored.updatedAt === 'string' ? stored.updatedAt : '',
  };
}
