/**
 * The reader's main loop: WAL messages in, Kafka messages out, confirmed positions back to PostgreSQL.
 *
 * Each message is handled before the next is read (the producer's `enqueue` waits when its byte budget is
 * used), so a slow Kafka pauses the replication socket instead of filling memory, whatever the transaction
 * size. Confirmation is driven by Kafka acknowledgements: the position confirmed is always the commit end of
 * the longest fully-acknowledged prefix of transactions (acknowledgement/in-flight.ts).
 */
import type { Logger } from '../../../lib/logging/index.ts';
import type { InFlightTransactions, TransactionTicket } from '../acknowledgement/index.ts';
import type { ReaderMetrics } from '../metrics.ts';
import type { Lsn } from '../model.ts';
import type { BatchingProducer } from '../producer/batching-producer.ts';
import type { ReplicationMessage, ReplicationSession } from '../replication/index.ts';
import type { CapturedTables } from './captured-tables.ts';
import { changeMessages } from './change-events.ts';

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
  truncateKey: (topic: string) => Buffer;
  partitions: (topic: string) => number;
  /** Commit times of transactions not yet confirmed, oldest first: slot lag in seconds. */
  pendingCommits: { commitEndLsn: Lsn; commitTimeMicros: bigint }[];
}

interface TransactionState {
  ticket: TransactionTicket;
  commitTimeMicros: bigint;
  totalOrder: number;
  perTable: Map<number, number>;
}

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

async function handleChange(
  context: StreamContext,
  transaction: TransactionState,
  message: Extract<ReplicationMessage, { kind: 'change' }>,
): Promise<void> {
  const { change } = message;
  const table = context.tables.get(change.table);
  transaction.totalOrder++;
  const tableOrder = (transaction.perTable.get(change.table.relationOid) ?? 0) + 1;
  transaction.perTable.set(change.table.relationOid, tableOrder);
  const messages = changeMessages(table, change, {
    prefix: context.prefix,
    db: context.db,
    processingTimeMs: Date.now(),
    transaction: { totalOrder: transaction.totalOrder, dataCollectionOrder: tableOrder },
    truncateKey: context.truncateKey(table.topic),
    partitions: context.partitions(table.topic),
  });
  const { ticket, commitTimeMicros } = transaction;
  context.inFlight.eventProduced(ticket, messages.length);
  const labels = { table: table.connector.name, op: change.op };
  for (const [index, outgoing] of messages.entries()) {
    const last = index === messages.length - 1;
    await context.producer.enqueue({
      ...outgoing,
      onAcked: () => {
        context.inFlight.eventAcked(ticket);
        if (!last) return;
        context.metrics.changes.inc(labels);
        context.metrics.commitToKafkaSeconds.observe(
          Math.max(0, Date.now() - Number(commitTimeMicros / 1000n)) / 1000,
        );
        confirmProgress(context);
      },
    });
  }
}

/**
 * The next message, or undefined once stopping was requested. The abort listener is removed after every wait:
 * racing each read against one long-lived promise instead would leave one reaction per message attached to it
 * (a leak proportional to the stream).
 */
function nextOrStop(
  session: ReplicationSession,
  signal: AbortSignal,
): Promise<ReplicationMessage | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
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
  for (;;) {
    const message = await nextOrStop(context.session, stopping.signal);
    if (message === undefined) return;
    const received =
      message.kind === 'keepalive'
        ? message.walEnd
        : message.kind === 'change'
          ? message.change.position.lsn
          : message.lsn;
    context.metrics.receivedLsn.set(Number(received));
    switch (message.kind) {
      case 'begin':
        transaction = {
          ticket: context.inFlight.open(message),
          commitTimeMicros: message.commitTimeMicros,
          totalOrder: 0,
          perTable: new Map(),
        };
        break;
      case 'relation':
        if (message.changed) {
          const table = await context.tables.describe(message.relation);
          context.logger.info(
            {
              table: table.connector.name,
              topic: table.topic,
              keySchemaId: table.keySchemaId,
              valueSchemaId: table.valueSchemaId,
            },
            'table described',
          );
        }
        break;
      case 'change':
        if (!transaction) throw new Error('change outside a transaction');
        await handleChange(context, transaction, message);
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
    }
    confirmProgress(context);
    context.metrics.inFlightBytes.set(context.producer.inFlightBytes);
    context.metrics.inFlightTransactions.set(context.inFlight.stats().transactions);
  }
}
