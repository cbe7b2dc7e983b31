import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../../lib/errors/index.ts';
import { Prng } from '../../../scripts/workload/prng.ts';
import {
  InFlightTransactions,
  type TransactionTicket,
} from '../../../services/replication-reader/acknowledgement/index.ts';

describe('InFlightTransactions', () => {
  it('never confirms from a held transaction on, queues nothing after it, and still drains', () => {
    const acks = new InFlightTransactions(50n);
    const t1 = acks.open({ xid: 1, commitLsn: 100n });
    acks.eventProduced(t1);
    acks.close(t1, 120n);
    acks.eventAcked(t1);
    const held = acks.open({ xid: 2, commitLsn: 130n });
    acks.eventProduced(held);
    acks.hold(held); // a paused table's change was skipped in this transaction
    acks.close(held, 140n);
    acks.eventAcked(held);
    for (let xid = 3; xid < 1_003; xid++) {
      const later = acks.open({ xid, commitLsn: BigInt(xid) * 100n });
      acks.eventProduced(later);
      acks.close(later, BigInt(xid) * 100n + 10n);
      acks.eventAcked(later);
      acks.keepalive(BigInt(xid) * 100n + 50n);
    }
    expect(acks.confirmable()).toBe(120n);
    expect(acks.held).toBe(true);
    expect(acks.stats().transactions).toBe(1); // the held one: a long pause costs no memory
    expect(acks.drained).toBe(true);
    const unacknowledged = acks.open({ xid: 2_000, commitLsn: 200_000n });
    acks.eventProduced(unacknowledged);
    expect(acks.drained).toBe(false);
  });

  it('confirms a transaction only when it is closed and every event is acknowledged', () => {
    const acks = new InFlightTransactions();
    const t1 = acks.open({ xid: 1, commitLsn: 100n });
    acks.eventProduced(t1, 2);
    acks.eventAcked(t1);
    acks.eventAcked(t1);
    expect(acks.confirmable()).toBeUndefined(); // acknowledged, but its commit was not read: it may grow
    acks.close(t1, 120n);
    expect(acks.confirmable()).toBe(120n);
  });

  it('holds back later acknowledged transactions behind an unacknowledged one', () => {
    const acks = new InFlightTransactions();
    const t1 = acks.open({ xid: 1, commitLsn: 100n });
    acks.eventProduced(t1);
    acks.close(t1, 120n);
    const t2 = acks.open({ xid: 2, commitLsn: 120n }); // adjacent: starts where t1 ends
    acks.eventProduced(t2);
    acks.close(t2, 140n);
    acks.eventAcked(t2);
    expect(acks.confirmable()).toBeUndefined();
    acks.eventAcked(t1);
    expect(acks.confirmable()).toBe(140n);
  });

  it('confirms a transaction without events as soon as everything before it is', () => {
    const acks = new InFlightTransactions();
    const t1 = acks.open({ xid: 1, commitLsn: 100n });
    acks.eventProduced(t1);
    acks.close(t1, 120n);
    const empty = acks.open({ xid: 2, commitLsn: 200n });
    acks.close(empty, 220n);
    expect(acks.confirmable()).toBeUndefined();
    acks.eventAcked(t1);
    expect(acks.confirmable()).toBe(220n);
  });

  it('advances to the keepalive position when nothing is in flight', () => {
    const acks = new InFlightTransactions();
    acks.keepalive(500n);
    expect(acks.confirmable()).toBe(500n);
    acks.keepalive(900n);
    expect(acks.confirmable()).toBe(900n);
    expect(acks.drained).toBe(true);
  });

  it('confirms a keepalive only after the transactions read before it', () => {
    const acks = new InFlightTransactions();
    const t1 = acks.open({ xid: 1, commitLsn: 100n });
    acks.eventProduced(t1);
    acks.keepalive(110n); // mid-transaction: changes nothing, t1's commit end says more
    acks.close(t1, 120n);
    acks.keepalive(300n);
    acks.keepalive(400n); // coalesced with the previous mark
    expect(acks.confirmable()).toBeUndefined();
    expect(acks.stats()).toEqual({ transactions: 2, unacknowledgedEvents: 1, open: 0 });
    acks.eventAcked(t1);
    expect(acks.confirmable()).toBe(400n);
  });

  it('counts what is still in flight after a partial confirmation', () => {
    const acks = new InFlightTransactions();
    const tickets = [1, 2, 3, 4, 5].map((xid) => acks.open({ xid, commitLsn: BigInt(xid * 100) }));
    tickets.forEach((ticket, i) => {
      acks.eventProduced(ticket);
      acks.close(ticket, BigInt((i + 1) * 100 + 50));
    });
    acks.eventAcked(tickets[0] as TransactionTicket);
    expect(acks.confirmable()).toBe(150n);
    expect(acks.stats()).toEqual({ transactions: 4, unacknowledgedEvents: 4, open: 0 });
    expect(acks.drained).toBe(false);
    for (const ticket of tickets.slice(1)) acks.eventAcked(ticket);
    expect(acks.stats()).toEqual({ transactions: 0, unacknowledgedEvents: 0, open: 0 });
    expect(acks.confirmable()).toBe(550n);
  });

  it('never goes below its floor or backwards', () => {
    const acks = new InFlightTransactions(1_000n);
    expect(acks.confirmable()).toBe(1_000n);
    acks.keepalive(900n); // a stale position right after a restart
    expect(acks.confirmable()).toBe(1_000n);
  });

  it('refuses misuse that could open a gap', () => {
    const acks = new InFlightTransactions();
    const t1 = acks.open({ xid: 1, commitLsn: 100n });
    expect(() => acks.eventAcked(t1)).toThrow(/more events than it produced/);
    acks.close(t1, 120n);
    expect(() => acks.eventProduced(t1)).toThrow(/after transaction 1 closed/);
    expect(() => acks.close(t1, 130n)).toThrow(/closed twice/);
    expect(() => acks.open({ xid: 2, commitLsn: 100n })).toThrow(/commit order/);
    const t3 = acks.open({ xid: 3, commitLsn: 200n });
    expect(() => acks.close(t3, 150n)).toThrow(/before its commit/);
    const stranger: TransactionTicket = { xid: 9, commitLsn: 1n };
    expect(() => acks.eventProduced(stranger)).toThrow(PipelineError);
  });
});

interface ModelTransaction {
  xid: number;
  commitLsn: bigint;
  commitEndLsn: bigint;
  events: number;
  /** Keepalive position seen just before this transaction's begin, if any. */
  keepaliveBefore?: bigint;
}

/** A WAL history: transactions in commit order, some adjacent, some empty, keepalives between some of them. */
function history(rng: Prng): ModelTransaction[] {
  const transactions: ModelTransaction[] = [];
  let position = BigInt(rng.int(1, 1 << 20));
  for (let xid = 1; xid <= rng.int(1, 25); xid++) {
    let keepaliveBefore: bigint | undefined;
    if (rng.chance(0.3)) {
      position += BigInt(rng.int(0, 500));
      keepaliveBefore = position;
    }
    if (!rng.chance(0.3)) position += BigInt(rng.int(1, 5000)); // else adjacent to the previous commit
    const commitLsn = position;
    position += BigInt(rng.int(24, 64));
    transactions.push({
      xid,
      commitLsn,
      commitEndLsn: position,
      events: rng.pick([0, 1, 1, 2, 3, 10]),
      keepaliveBefore,
    });
  }
  return transactions;
}

type Step = () => void;

describe('InFlightTransactions properties (random interleavings of reads and Kafka acknowledgements)', () => {
  it('never confirms past the commit of a transaction that is not fully acknowledged, and catches up in the end', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rng = new Prng(seed);
      const transactions = history(rng);
      const acks = new InFlightTransactions();
      const acked = new Map<number, number>();
      const closed = new Set<number>();
      const tickets = new Map<number, TransactionTicket>();
      // Reading the stream is sequential; acknowledgements arrive later, in any order.
      const reads: Step[] = [];
      const pendingAcks: Step[] = [];
      for (const tx of transactions) {
        if (tx.keepaliveBefore !== undefined) reads.push(() => acks.keepalive(tx.keepaliveBefore ?? 0n));
        reads.push(() => tickets.set(tx.xid, acks.open(tx)));
        for (let e = 0; e < tx.events; e++) {
          // The server may send a keepalive while a transaction is being sent; its position is before the commit.
          if (rng.chance(0.1)) reads.push(() => acks.keepalive(tx.commitLsn - BigInt(rng.int(0, 10))));
          reads.push(() => {
            const ticket = tickets.get(tx.xid) as TransactionTicket;
            acks.eventProduced(ticket);
            pendingAcks.push(() => {
              acks.eventAcked(ticket);
              acked.set(tx.xid, (acked.get(tx.xid) ?? 0) + 1);
            });
          });
        }
        reads.push(() => {
          acks.close(tickets.get(tx.xid) as TransactionTicket, tx.commitEndLsn);
          closed.add(tx.xid);
        });
      }
      const finalKeepalive = (transactions.at(-1)?.commitEndLsn ?? 0n) + BigInt(rng.int(0, 100));
      reads.push(() => acks.keepalive(finalKeepalive));

      let previous: bigint | undefined;
      const check = () => {
        const confirmable = acks.confirmable();
        if (previous !== undefined) expect(confirmable).toBeGreaterThanOrEqual(previous);
        previous = confirmable;
        if (confirmable === undefined) return;
        // The safety property: restarting from `confirmable` re-sends every transaction not yet safe in Kafka,
        // because PostgreSQL re-sends each transaction whose commit record starts at or after it.
        for (const tx of transactions) {
          const safe = closed.has(tx.xid) && (acked.get(tx.xid) ?? 0) === tx.events;
          if (!safe) expect(confirmable).toBeLessThanOrEqual(tx.commitLsn);
        }
      };
      let read = 0;
      while (read < reads.length || pendingAcks.length > 0) {
        if (read < reads.length && (pendingAcks.length === 0 || rng.chance(0.5))) {
          reads[read++]?.();
        } else {
          const index = rng.int(0, pendingAcks.length - 1);
          const [ack] = pendingAcks.splice(index, 1);
          ack?.();
        }
        check();
      }
      // Liveness: with everything acknowledged, the final keepalive is confirmable and nothing is in flight.
      expect(acks.confirmable()).toBe(finalKeepalive);
      expect(acks.stats()).toEqual({ transactions: 0, unacknowledgedEvents: 0, open: 0 });
    }
  });

  it('equals the end of the longest fully acknowledged prefix', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Prng(seed * 7919);
      const transactions = history(rng);
      const acks = new InFlightTransactions();
      // A transaction without events is acknowledged by definition.
      const done = transactions.map((tx) => rng.chance(0.7) || tx.events === 0);
      transactions.forEach((tx, i) => {
        const ticket = acks.open(tx);
        acks.eventProduced(ticket, tx.events);
        acks.close(ticket, tx.commitEndLsn);
        if (done[i]) acks.eventAcked(ticket, tx.events);
      });
      const prefix = done.indexOf(false) === -1 ? transactions.length : done.indexOf(false);
      expect(acks.confirmable()).toBe(prefix === 0 ? undefined : transactions[prefix - 1]?.commitEndLsn);
    }
  });
});
