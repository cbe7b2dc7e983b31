/**
 * Which WAL position may be confirmed to PostgreSQL: the heart of "never a gap".
 *
 * Transactions enter in commit order (pgoutput protocol 1 sends them whole, in that order). Each one counts the
 * events handed to the producer and those Kafka acknowledged (acks=all). The confirmable position is the commit
 * end of the longest prefix of transactions that are closed (their commit was read) and fully acknowledged;
 * a transaction still missing one acknowledgement holds back everything after it, however acknowledged.
 *
 * Restarting from the confirmed position is gap-free because PostgreSQL re-sends every transaction whose commit
 * record starts at or after it, and each transaction's commit starts at or after its predecessor's commit end.
 *
 * Idle advancement: a keepalive between transactions carries the server's sent position. It queues like an
 * empty, finished transaction, so it is confirmed as soon as everything before it is, and a slot whose captured
 * tables are idle (while other tables are busy) stops retaining WAL.
 *
 * Holding: a transaction whose changes could not be produced (its table is paused) is held. Nothing from it
 * on is ever confirmed in this session, so the slot keeps those changes for the replay that resumes the table;
 * later transactions are still counted (for a graceful drain) but no longer queued, so a long pause costs no
 * memory.
 *
 * Use one instance per replication session: a restarted session re-reads the unconfirmed transactions anyway.
 */
import { PipelineError } from '../../../lib/errors/index.ts';
import { formatLsn, maxLsn } from '../../../lib/postgres/index.ts';
import type { Lsn } from '../model.ts';

/** Handle of one transaction, returned by `open` and passed back to the other calls. */
export interface TransactionTicket {
  readonly xid: number;
  readonly commitLsn: Lsn;
}

interface Entry extends TransactionTicket {
  produced: number;
  acked: number;
  /** Known once the commit was read; until then the transaction may still grow. */
  commitEndLsn: Lsn | undefined;
  keepalive: boolean;
  held: boolean;
}

export interface InFlightStats {
  /** Transactions (and keepalive marks) not yet confirmable. */
  transactions: number;
  /** Events produced and not yet acknowledged. */
  unacknowledgedEvents: number;
  /** Transactions opened and not yet closed (0 or 1 with protocol 1). */
  open: number;
}

function misuse(message: string): PipelineError {
  return new PipelineError('INTERNAL', `acknowledgement bookkeeping: ${message}`);
}

export class InFlightTransactions {
  // A queue with a moving head: confirming a long prefix must not cost a shift per entry.
  private queue: Entry[] = [];
  private head = 0;
  private readonly tickets = new WeakMap<TransactionTicket, Entry>();
  private confirmablePosition: Lsn | undefined;
  private lastCommitLsn: Lsn | undefined;
  private openCount = 0;
  private unacknowledged = 0;
  private holding = false;

  /** `floor`: the durable position the session started from; confirmable() never goes below it. */
  constructor(floor?: Lsn) {
    this.confirmablePosition = floor;
  }

  open(transaction: { xid: number; commitLsn: Lsn }): TransactionTicket {
    if (this.lastCommitLsn !== undefined && transaction.commitLsn <= this.lastCommitLsn) {
      throw misuse(
        `transaction ${transaction.xid} commits at ${formatLsn(transaction.commitLsn)}, ` +
          `not after ${formatLsn(this.lastCommitLsn)}: transactions must open in commit order`,
      );
    }
    this.lastCommitLsn = transaction.commitLsn;
    const entry: Entry = {
      xid: transaction.xid,
      commitLsn: transaction.commitLsn,
      produced: 0,
      acked: 0,
      commitEndLsn: undefined,
      keepalive: false,
      held: false,
    };
    const ticket: TransactionTicket = Object.freeze({ xid: entry.xid, commitLsn: entry.commitLsn });
    this.tickets.set(ticket, entry);
    if (!this.holding) this.queue.push(entry);
    this.openCount += 1;
    return ticket;
  }

  /** An event of this transaction was handed to the producer. Only before `close`: a closed one is complete. */
  eventProduced(ticket: TransactionTicket, count = 1): void {
    const entry = this.entry(ticket);
    if (entry.commitEndLsn !== undefined)
      throw misuse(`event produced after transaction ${entry.xid} closed`);
    entry.produced += count;
    this.unacknowledged += count;
  }

  /** Kafka acknowledged an event of this transaction (in any order relative to other transactions). */
  eventAcked(ticket: TransactionTicket, count = 1): void {
    const entry = this.entry(ticket);
    if (entry.acked + count > entry.produced) {
      throw misuse(`transaction ${entry.xid} acknowledged more events than it produced`);
    }
    entry.acked += count;
    this.unacknowledged -= count;
  }

  /** The transaction's commit was read: it has no more events, and `commitEndLsn` is where it ends. */
  close(ticket: TransactionTicket, commitEndLsn: Lsn): void {
    const entry = this.entry(ticket);
    if (entry.commitEndLsn !== undefined) throw misuse(`transaction ${entry.xid} closed twice`);
    if (commitEndLsn <= entry.commitLsn) {
      throw misuse(`transaction ${entry.xid} ends at ${formatLsn(commitEndLsn)}, before its commit`);
    }
    entry.commitEndLsn = commitEndLsn;
    this.openCount -= 1;
  }

  /**
   * The server's position from a keepalive received between transactions. Ignored while a transaction is open:
   * its own commit end will say more.
   */
  keepalive(walEnd: Lsn): void {
    if (this.openCount > 0 || this.holding) return;
    const last = this.queue.length > this.head ? this.queue.at(-1) : undefined;
    if (last?.keepalive) {
      last.commitEndLsn = maxLsn(last.commitEndLsn, walEnd);
      return;
    }
    this.queue.push({
      xid: 0,
      commitLsn: walEnd,
      produced: 0,
      acked: 0,
      commitEndLsn: walEnd,
      keepalive: true,
      held: false,
    });
  }

  /**
   * A change of this transaction was not produced (its table is paused): confirmation stops before the
   * transaction for the rest of the session. Only the first hold matters; later ones are no-ops.
   */
  hold(ticket: TransactionTicket): void {
    const entry = this.entry(ticket);
    if (this.holding) return;
    entry.held = true;
    this.holding = true;
  }

  /** Whether a transaction was held: confirmation has stopped for this session. */
  get held(): boolean {
    return this.holding;
  }

  /**
   * The position that may be confirmed now: the end of the longest closed, fully acknowledged prefix (or the
   * floor). Never decreases; undefined while nothing is known.
   */
  confirmable(): Lsn | undefined {
    for (;;) {
      const head = this.queue[this.head];
      if (!head || head.held || head.commitEndLsn === undefined || head.acked < head.produced) break;
      this.head += 1;
      this.confirmablePosition = maxLsn(this.confirmablePosition, head.commitEndLsn);
    }
    if (this.head > 0 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return this.confirmablePosition;
  }

  /** Nothing produced and unacknowledged, nothing open: what a graceful shutdown waits for. */
  get drained(): boolean {
    // While holding, the queue never empties: drained means every produced event was acknowledged.
    if (this.holding) return this.unacknowledged === 0 && this.openCount === 0;
    this.confirmable();
    return this.queue.length === this.head;
  }

  stats(): InFlightStats {
    this.confirmable();
    return {
      transactions: this.queue.length - this.head,
      unacknowledgedEvents: this.unacknowledged,
      open: this.openCount,
    };
  }

  private entry(ticket: TransactionTicket): Entry {
    const entry = this.tickets.get(ticket);
    if (!entry) throw misuse(`transaction ${ticket.xid} was not opened here`);
    return entry;
  }
}
