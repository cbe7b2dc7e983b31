/**
 * A lease lost in the middle of the initial copy, with the real ReaderService (lease included), in-process:
 * reader A copies into a Kafka that does not acknowledge yet (its sends are held), its lease connection is
 * terminated, reader B takes the lease, finds A's snapshot unfinished, drops the slot and copies again. When
 * A's copy is finally acknowledged, A's `done` is refused (its state store was fenced when B opened its own)
 * and never becomes the state: the state is B's `done`, with B's consistent point, and every row is in Kafka.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { readTopicsToEnd } from '../../lib/kafka/read-to-end.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { leaseKey, leaseLockIds } from '../../lib/source/lease-key.ts';
import { stateTopic } from '../../lib/source/reader-state.ts';
import type { TopicBatch } from '../../services/replication-reader/producer/batching-producer.ts';
import type { ConnectedSender } from '../../services/replication-reader/producer/create-sender.ts';
import { KafkaSender } from '../../services/replication-reader/producer/kafka-sender.ts';
import { ReaderService } from '../../services/replication-reader/service.ts';
import { ReaderFixture } from './support/reader-fixture.ts';

const rows = 3_000;
const fixture = new ReaderFixture();

/** Holds every send until `open()`: to the reader, a Kafka that takes its time to acknowledge the copy. */
class HeldSender implements ConnectedSender {
  private release: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  sendsHeld = 0;

  constructor(private readonly inner: ConnectedSender) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }

  async send(batches: TopicBatch[]): Promise<void> {
    this.sendsHeld++;
    await this.opened;
    await this.inner.send(batches);
  }

  open(): void {
    this.release();
  }
}

/** A service's log lines, parsed (the logger writes JSON lines). */
function capturedLogger(service: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service,
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

type StoredSlotState = { status?: string; snapshot?: string; consistentPoint?: string; instance?: string };

/** Every committed state of the slot, in the order they were written (the topic is not compacted yet). */
async function slotStateHistory(): Promise<StoredSlotState[]> {
  const admin = fixture.kafka.admin();
  await admin.connect();
  const history: StoredSlotState[] = [];
  try {
    await readTopicsToEnd(
      fixture.kafka,
      admin,
      [stateTopic(fixture.prefix)],
      (record) => {
        if (String(record.key) === fixture.slot && record.value)
          history.push(JSON.parse(String(record.value)) as StoredSlotState);
      },
      { timeoutMs: 30_000, groupPrefix: 'reader-takeover-test' },
    );
  } finally {
    await admin.disconnect();
  }
  return history;
}

const statusOf = (state: StoredSlotState | undefined) => state?.status ?? state?.snapshot;

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Terminates the backend holding the slot's lease (its advisory lock), as the reader role. */
async function terminateLeaseHolder(): Promise<number> {
  const { classid, objid } = leaseLockIds(leaseKey(fixture.slot));
  const client = new pg.Client({ connectionString: fixture.database.url('DATABASE_URL_CORE') });
  await client.connect();
  try {
    const { rows: killed } = await client.query<{ pid: number }>(
      `SELECT pid, pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1::oid AND objid = $2::oid AND objsubid = 1 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [classid, objid],
    );
    return killed.length;
  } finally {
    await client.end();
  }
}

describe('lease lost in the middle of the initial copy', () => {
  const stops: (() => void)[] = [];
  const runs: Promise<void>[] = [];

  beforeAll(async () => {
    await fixture.setUp(
      `CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL);
       INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, ${rows}) AS g;`,
      [{ name: 'items', source: { schema: 'public', table: 'items' }, destination: { table: 'items' } }],
    );
  });

  afterAll(async () => {
    for (const stop of stops) stop();
    await Promise.allSettled(runs);
    await fixture.tearDown();
  }, 120_000);

  function startService(name: string, createSender?: () => ConnectedSender) {
    const { logger, lines } = capturedLogger(name);
    const service = new ReaderService({
      ...fixture.readerOptions(),
      ...(createSender ? { createSender } : {}),
      logger,
      maxConsecutiveFailures: 100,
    });
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    stops.push(stop);
    const run = service.run(stopped);
    runs.push(run.catch(() => undefined));
    return { service, lines, run, stop };
  }

  it('refuses the old reader’s state writes: the state is the new reader’s done, and every row is in Kafka', async () => {
    const held = new HeldSender(new KafkaSender(fixture.kafka));
    const a = startService('reader-a', () => held);
    onTestFailed(() => {
      console.error(JSON.stringify({ a: a.lines.slice(-15), b: b?.lines.slice(-15) }, null, 1));
    });
    let b: ReturnType<typeof startService> | undefined;
    // A is copying: its slot exists, its state says so, and its first batch waits for Kafka.
    await until(async () => (held.sendsHeld > 0 ? true : undefined), 'reader A copying');
    const history = await until(async () => {
      const states = await slotStateHistory();
      return statusOf(states.at(-1)) === 'in-progress' ? states : undefined;
    }, 'reader A in progress');
    const copyOfA = history.at(-1)?.consistentPoint;

    b = startService('reader-b');
    await until(
      async () => (b?.service.state === 'waiting-for-lease' ? true : undefined),
      'reader B waiting',
    );
    expect(await terminateLeaseHolder()).toBe(1);
    // B takes over, starts over and finishes while A still waits for Kafka.
    await until(
      async () => (b?.service.state === 'streaming' ? true : undefined),
      'reader B streaming',
      90_000,
    );
    expect(held.sendsHeld).toBeGreaterThan(0);

    // A's copy is acknowledged at last; its done must not become the state, and A ends (its lease is gone).
    held.open();
    await Promise.race([
      a.run,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('reader A did not end within 60 s')), 60_000),
      ),
    ]);
    expect(a.service.state).toBe('stopped');

    const states = await slotStateHistory();
    const copies = states
      .filter((state) => statusOf(state) === 'in-progress')
      .map((state) => state.consistentPoint);
    const copyOfB = copies.at(-1);
    expect(copies).toContain(copyOfA);
    expect(copyOfB).not.toBe(copyOfA);
    const final = states.at(-1);
    expect(statusOf(final)).toBe('done');
    expect(final?.consistentPoint).toBe(copyOfB);
    // Nothing A wrote after B's first write became visible.
    expect(final?.instance).not.toBe(states[0]?.instance);
    const firstOfB = states.findIndex((state) => state.instance === final?.instance);
    expect(states.slice(firstOfB).every((state) => state.instance === final?.instance)).toBe(true);

    // A's done was refused as fenced, and A did not retry it: its run ended and the service stopped.
    const failures = a.lines.filter(
      (line) => line.msg === 'reader run failed; restarting from the durable position',
    );
    expect(failures.map((line) => (line.err as { code?: string }).code)).toEqual(['FENCED']);
    expect(JSON.stringify(failures[0]?.err)).toMatch(/another reader took over slot/);

    // Every row is in the topic, and B streams on.
    await fixture.owner.query(`INSERT INTO items VALUES (${rows + 1}, 'after the takeover')`);
    const target = await fixture.currentWalLsn();
    await until(
      async () => ((await fixture.confirmedFlushLsn()) >= target ? true : undefined),
      'reader B confirming the insert',
    );
    const events = await fixture.readAll(fixture.topic('items'), 90_000);
    expect(ReaderFixture.replay(events).size).toBe(rows + 1);
    b.stop();
    await b.run;
  }, 240_000);
});
