/**
 * A blocked consumer: the session holds a bounded number of messages (the socket is paused, TCP pushes back on
 * the walsender) while its own timer keeps status updates flowing, so the server never times the reader out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../../lib/retry/backoff.ts';
import { collect, createReplicationFixture, type ReplicationFixture } from './fixture.ts';

const highWaterMark = 64;
// One socket read (64 KiB) is parsed at once, after which the pause takes effect; each message is > 64 bytes.
const heldBound = highWaterMark + 65_536 / 64;
const rows = 20_000;

describe('backpressure', () => {
  let fixture: ReplicationFixture;

  beforeAll(async () => {
    fixture = await createReplicationFixture(
      'repl_backpressure',
      ({ publication }) => `
        CREATE TABLE items (id int PRIMARY KEY, payload text);
        GRANT SELECT ON items TO cdc_reader;
        CREATE PUBLICATION ${publication} FOR TABLE items;`,
    );
  });

  afterAll(async () => {
    await fixture?.cleanup();
  });

  /** The reader's URL with a 2 s wal_sender_timeout: a reader silent for 2 s is cut off by the server. */
  const impatientServer = () => {
    const url = new URL(fixture.database.url('DATABASE_URL_CORE'));
    url.searchParams.set('options', '-c wal_sender_timeout=2000');
    return url.toString();
  };

  async function activePid(): Promise<number | null> {
    const { rows: found } = await fixture.reader.query<{ active_pid: number | null }>(
      'SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1',
      [fixture.slot],
    );
    return found[0]?.active_pid ?? null;
  }

  it('holds a bounded number of messages and keeps sending status updates while blocked', async () => {
    const session = await fixture.started(undefined, {
      connection: impatientServer(),
      highWaterMark,
      statusIntervalMs: 250,
    });
    await fixture.owner.query(`INSERT INTO items VALUES (0, 'small')`);
    const small = await collect(session, (messages) => messages.at(-1)?.kind === 'commit');
    const smallCommit = small.at(-1);
    if (smallCommit?.kind !== 'commit') throw new Error('no commit');
    await fixture.owner.query(
      `INSERT INTO items SELECT i, repeat('p', 50) FROM generate_series(1, ${rows}) AS i`,
    );
    const head = await collect(session, (messages) => messages.at(-1)?.kind === 'begin');
    expect(head.filter((message) => message.kind !== 'keepalive').map((message) => message.kind)).toEqual([
      'begin',
    ]);

    // The consumer is now "stuck in Kafka": nothing calls next() for 5 s, well past the server's timeout.
    const pid = await activePid();
    session.confirm(smallCommit.commitEndLsn);
    await expect
      .poll(() => fixture.confirmedFlush(), { timeout: 3_000, interval: 100 })
      .toBe(smallCommit.commitEndLsn);
    await sleep(5_000);
    const blocked = session.status();
    console.info(
      `backpressure: held ${blocked.heldMessages} (peak ${blocked.peakHeldMessages}, bound ${heldBound}) of ` +
        `${rows + 2} messages while blocked; ${blocked.statusUpdatesSent} status updates sent`,
    );
    expect(blocked.state).toBe('streaming');
    expect(await activePid()).toBe(pid); // the same walsender: never timed out
    expect(blocked.paused).toBe(true);
    expect(blocked.heldMessages).toBeGreaterThanOrEqual(highWaterMark);
    expect(blocked.peakHeldMessages).toBeLessThanOrEqual(heldBound);
    expect(blocked.statusUpdatesSent).toBeGreaterThanOrEqual(15);

    // Unblocked, every row arrives, and the peak stayed bounded throughout.
    const rest = await collect(session, (messages) => messages.at(-1)?.kind === 'commit', 60_000);
    expect(rest.filter((message) => message.kind === 'change')).toHaveLength(rows);
    expect(session.status().peakHeldMessages).toBeLessThanOrEqual(heldBound);
    await session.stop();
    await fixture.waitForSlotInactive();
  });

  it('control: without timely status updates the same server cuts a blocked reader off', async () => {
    const session = await fixture.started(undefined, {
      connection: impatientServer(),
      highWaterMark,
      statusIntervalMs: 60_000,
    });
    await fixture.owner.query(
      `INSERT INTO items SELECT i, 'again' FROM generate_series(${rows + 1}, ${2 * rows}) AS i`,
    );
    await collect(session, (messages) => messages.at(-1)?.kind === 'begin');
    await fixture.waitForSlotInactive(10_000);
    const failure = await collect(session, () => false, 30_000).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'PipelineError', retriable: true });
  });
});
