/**
 * The reader's main loop: WAL messages in, Kafka messages out, confirmed positions back to PostgreSQL.
 *
 * Each message is handled before the next is read (the producer's `enqueue` waits when its byte budget is
 * used), so a slow Kafka pauses the replication socket instead of filling memory, whatever the transaction
 * size. Confirmation is driven by Kafka acknowledgements: the position confirmed is always the commit end of
 * the longest fully-acknowledged prefix of transactions (acknowledgement/in-flight.ts).
 */
import type { Logger } from '../../../lib/logging/index.ts';
import { signalPrefix } from '../../../lib/source/signals.ts';
import type { InFlightTransactions, TransactionTicket } from '../acknowledgement/index.ts';
import type { ReaderMetrics } from '../metrics.ts';
import type { Lsn, RowChange, TableRef, TextRow } from '../model.ts';
import type { BatchingProducer, OutgoingMessage } from '../producer/batching-producer.ts';
import { enqueueChange } from '../producer/enqueue-change.ts';
import type { ReplicationMessage, ReplicationSession } from '../replication/index.ts';
import { watermarkPrefix } from '../snapshot/chunk-window.ts';
import type { ColumnCoverage } from '../snapshot/column-coverage.ts';
import type { IncrementalSnapshots } from '../snapshot/incremental.ts';
import { snapshotEndPrefix } from '../snapshot/snapshot-end.ts';
import type { CapturedTables } from './captured-tables.ts';
import { changeMessages } from './change-events.ts';
import type { TableEventKeys } from './table-event-keys.ts';

export interface StreamContext {
  session: ReplicationSession;
  inFlight: InFlightTransactions;
  producer: BatchingProducer;
  tables: CapturedTables;
  metrics: ReaderMetrics;
  logger: Logger;
  /** Topic prefix and source database name, for the envelope's source block. */
  prefix: string;
  db: string;
  tableKeys: (topic: string) => TableEventKeys;
  partitions: (topic: string) => number;
  /** Commit times of transactions not yet confirmed, oldest first: slot lag in seconds. */
  pendingCommits: { commitEndLsn: Lsn; commitTimeMicros: bigint }[];
  /** Incremental snapshots: their signals and watermarks arrive in the stream. */
  snapshots?: IncrementalSnapshots;
  /** Told each table's description: asks for a snapshot when rows changed without the WAL (a default). */
  coverage?: ColumnCoverage;
}

interface TransactionState {
  ticket: TransactionTicket;
  commitTimeMicros: bigint;
  /** Commit time in milliseconds, for the commit-to-Kafka latency of each acknowledged change. */
  commitTimeMs: number;
  totalOrder: number;
  perTable: Map<number, number>;
}

/** Gauges are refreshed at transaction boundaries and every this many changes inside a large transaction. */
const gaugeRefreshChanges = 1024;

export function confirmProgress(context: StreamContext): void {
  const confirmable = context.inFlight.confirmable();
  if (confirmable === undefined) return;
  if (context.session.confirmedLsn === undefined || confirmable > context.session.confirmedLsn) {
    context.session.confirm(confirmable);
    context.metrics.durableLsn.set(Number(confirmable));
  }
  const pending = context.pendingCommits;
  while (pending.length > 0 && (pending[0] as { commitEndLsn: Lsn }).commitEndLsn <= confirmable)
    pending.shift();
}

/** Counter children by table and operation: `inc(labels)` would hash the label set for every change. */
type ChangeCounter = { inc(): void };
const changeCounters = new WeakMap<ReaderMetrics, Map<string, Map<string, ChangeCounter>>>();

function changeCounter(metrics: ReaderMetrics, table: string, op: string): ChangeCounter {
  let byTable = changeCounters.get(metrics);
  if (!byTable) {
    byTable = new Map();
    changeCounters.set(metrics, byTable);
  }
  let byOp = byTable.get(table);
  if (!byOp) {
    byOp = new Map();
    byTable.set(table, byOp);
  }
  let counter = byOp.get(op);
  if (!counter) {
    counter = metrics.changes.labels({ table, op });
    byOp.set(op, counter);
  }
  return counter;
}

/**
 * Hands the change's messages to the producer; returns the wait for room when the producer's buffer is full
 * (undefined otherwise: no promise per change while there is room).
 */
function handleChange(
  context: StreamContext,
  transaction: TransactionState,
  change: RowChange,
  afterAck?: () => void,
): Promise<void> | undefined {
  const table = context.tables.get(change.table);
  if (!table) {
    // Paused table: nothing of it goes out, and nothing from this transaction on is confirmed (replayed later).
    context.inFlight.hold(transaction.ticket);
    return undefined;
  }
  transaction.totalOrder++;
  const tableOrder = (transaction.perTable.get(change.table.relationOid) ?? 0) + 1;
  transaction.perTable.set(change.table.relationOid, tableOrder);
  let messages: OutgoingMessage[];
  try {
    messages = changeMessages(table, change, {
      prefix: context.prefix,
      db: context.db,
      processingTimeMs: Date.now(),
      transaction: { totalOrder: transaction.totalOrder, dataCollectionOrder: tableOrder },
      tableKeys: context.tableKeys(table.topic),
      partitions: context.partitions(table.topic),
    });
  } catch (error) {
    // A value the mapping cannot map would stop every table, run after run: it pauses its own table instead
    // (unmappable-tables.ts). Nothing of this change was enqueued (its messages are built first).
    const reason = context.tables.pauseUnmappable(change.table, error);
    if (!reason) throw error;
    context.logger.error(
      { err: reason, ...reason.details },
      'a value cannot be mapped: table paused (the other tables stream on)',
    );
    context.inFlight.hold(transaction.ticket);
    return undefined;
  }
  const { ticket, commitTimeMs } = transaction;
  const count = messages.length;
  context.inFlight.eventProduced(ticket, count);
  const counter = changeCounter(context.metrics, table.connector.name, change.op);
  const onAcked = () => {
    context.inFlight.eventAcked(ticket, count);
    counter.inc();
    context.metrics.commitToKafkaSeconds.observe(Math.max(0, Date.now() - commitTimeMs) / 1000);
    confirmProgress(context);
    afterAck?.();
  };
  return enqueueChange(context.producer, messages, onAcked);
}

/**
 * What a snapshot job waits for once the stream produced its events: the returned callback, called when Kafka
 * acknowledged the last of them. Undefined when the table is paused: the transaction is held (replayed later)
 * and the job's wait never ends (the reader stops it, and a later run redoes that step).
 */
function acknowledgementFor(
  context: StreamContext,
  transaction: TransactionState,
  reached: { settle(acked: Promise<void>): void },
  table: TableRef,
): (() => void) | undefined {
  if (!context.tables.get(table)) {
    context.inFlight.hold(transaction.ticket);
    reached.settle(new Promise<void>(() => undefined));
    return undefined;
  }
  let acknowledged: () => void = () => undefined;
  reached.settle(
    new Promise<void>((resolve) => {
      acknowledged = resolve;
    }),
  );
  return acknowledged;
}

/**
 * At a high watermark, the chunk's remaining rows go out as `r` events of the watermark's transaction (so they
 * are confirmed like its changes); the snapshot job learns when Kafka acknowledged them.
 */
async function emitChunk(
  context: StreamContext,
  transaction: TransactionState,
  message: Extract<ReplicationMessage, { kind: 'message' }>,
): Promise<void> {
  const reached = context.snapshots?.windows.onWatermark(message.content);
  if (!reached) return;
  const { window, rows } = reached;
  if (rows.length === 0) {
    reached.settle(Promise.resolve());
    return;
  }
  // Paused since the chunk started: its rows would be held anyway; the chunk is redone after the replay.
  const acknowledged = acknowledgementFor(context, transaction, reached, window.table);
  if (!acknowledged) return;
  const position = {
    commitLsn: transaction.ticket.commitLsn,
    lsn: message.lsn,
    xid: transaction.ticket.xid,
    commitTimeMicros: transaction.commitTimeMicros,
  };
  for (const [index, row] of rows.entries()) {
    const change: RowChange = {
      op: 'r',
      table: window.table,
      position,
      after: row as TextRow,
      snapshot: 'incremental',
    };
    const wait = handleChange(
      context,
      transaction,
      change,
      index === rows.length - 1 ? acknowledged : undefined,
    );
    if (wait) await wait;
  }
}

/** An incremental snapshot's end (snapshot/snapshot-end.ts), in the transaction of its WAL message. */
async function emitSnapshotEnd(
  context: StreamContext,
  transaction: TransactionState,
  message: Extract<ReplicationMessage, { kind: 'message' }>,
): Promise<void> {
  const reached = context.snapshots?.ends.onMessage(message.content);
  if (!reached) return;
  // Paused since the last chunk: held like the chunk would be; the job redoes the end after the replay.
  const acknowledged = acknowledgementFor(context, transaction, reached, reached.table);
  if (!acknowledged) return;
  const change: RowChange = {
    op: 'snapshot-end',
    table: reached.table,
    position: {
      commitLsn: reached.below,
      lsn: 0n,
      xid: transaction.ticket.xid,
      commitTimeMicros: transaction.commitTimeMicros,
    },
  };
  const wait = handleChange(context, transaction, change, acknowledged);
  if (wait) await wait;
}

function refreshGauges(context: StreamContext): void {
  context.metrics.inFlightBytes.set(context.producer.inFlightBytes);
  context.metrics.inFlightTransactions.set(context.inFlight.stats().transactions);
}

/**
 * The next message, or undefined once stopping was requested. The abort listener is removed after every wait:
 * racing each read against one long-lived promise instead would leave one reaction per message attached to it
 * (a leak proportional to the stream). A message already at hand is returned as is, without a promise.
 */
function nextOrStop(
  session: ReplicationSession,
  signal: AbortSignal,
): ReplicationMessage | Promise<ReplicationMessage | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  const ready = session.nextReady();
  if (ready !== undefined) return ready;
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    session.next().then(
      (message) => {
        signal.removeEventListener('abort', onAbort);
        resolve(message);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Handles messages until `stopRequested` resolves or the session ends; never leaves a message half-handled. */
export async function streamChanges(context: StreamContext, stopRequested: Promise<void>): Promise<void> {
  let transaction: TransactionState | undefined;
  const stopping = new AbortController();
  void stopRequested.then(() => stopping.abort());
  let changesSinceGauges = 0;
  for (;;) {
    const next = nextOrStop(context.session, stopping.signal);
    const message = next instanceof Promise ? await next : next;
    if (message === undefined) return;
    if (message.kind === 'change') {
      if (!transaction) throw new Error('change outside a transaction');
      context.snapshots?.windows.onChange(message.change);
      const wait = handleChange(context, transaction, message.change);
      if (wait) await wait;
      // Changes make nothing confirmable (acknowledgements do, in onAcked): gauges only now and then.
      if (++changesSinceGauges >= gaugeRefreshChanges) {
        changesSinceGauges = 0;
        context.metrics.receivedLsn.set(Number(message.change.position.lsn));
        refreshGauges(context);
      }
      continue;
    }
    context.metrics.receivedLsn.set(Number(message.kind === 'keepalive' ? message.walEnd : message.lsn));
    switch (message.kind) {
      case 'begin':
        context.snapshots?.windows.onTransaction(message.xid);
        transaction = {
          ticket: context.inFlight.open(message),
          commitTimeMicros: message.commitTimeMicros,
          commitTimeMs: Number(message.commitTimeMicros / 1000n),
          totalOrder: 0,
          perTable: new Map(),
        };
        break;
      case 'relation':
        if (message.changed) {
          const table = await context.tables.describe(message.relation);
          if (!table) {
            const reason = context.tables.pauseReason(message.relation);
            context.logger.error({ err: reason, table: reason?.details.table }, 'table paused');
            break;
          }
          context.logger.info(
            {
              table: table.connector.name,
              topic: table.topic,
              keySchemaId: table.keySchemaId,
              valueSchemaId: table.valueSchemaId,
            },
            'table described',
          );
          // Before anything past this point is confirmed: a crash never loses the request.
          await context.coverage?.onDescribed(table.connector.name, message.relation);
        }
        break;
      case 'commit':
        if (!transaction) throw new Error('commit outside a transaction');
        context.inFlight.close(transaction.ticket, message.commitEndLsn);
        context.pendingCommits.push({
          commitEndLsn: message.commitEndLsn,
          commitTimeMicros: message.commitTimeMicros,
        });
        transaction = undefined;
        break;
      case 'keepalive':
        context.inFlight.keepalive(message.walEnd);
        break;
      case 'message':
        if (!transaction) throw new Error('logical message outside a transaction');
        if (message.prefix === signalPrefix) await context.snapshots?.onSignal(message.content);
        else if (message.prefix === watermarkPrefix) await emitChunk(context, transaction, message);
        else if (message.prefix === snapshotEndPrefix) await emitSnapshotEnd(context, transaction, message);
        break;
    }
    confirmProgress(context);
    refreshGauges(context);
  }
}
