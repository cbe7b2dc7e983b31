/**
 * Never a gap across a crash: two transactions whose commits are adjacent in the WAL (the second's commit
 * record starts exactly where the first's ends), only the first confirmed, then the reader dies without a clean
 * stop. A new session from the slot's confirmed_flush_lsn must deliver the second again. Starting one byte
 * later (what pg-logical-replication's `acknowledge(lsn)` confirms) loses it, which is why we confirm exactly.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLsn } from '../../../lib/postgres/index.ts';
import { withBackoff } from '../../../lib/retry/backoff.ts';
import type {
  CommitMessage,
  ReplicationMessage,
} from '../../../services/replication-reader/replication/index.ts';
import {
  changesOf,
  collect,
  commitCount,
  createReplicationFixture,
  type ReplicationFixture,
} from './fixture.ts';

const commits = (messages: ReplicationMessage[]) =>
  messages.filter((message): message is CommitMessage => message.kind === 'commit');
const insertedIds = (messages: ReplicationMessage[]) =>
  changesOf(messages).map((change) => (change.op === 'c' ? change.after.id : undefined));

describe('restart after a crash before confirmation', () => {
  let fixture: ReplicationFixture;
  let second: pg.Client;

  beforeAll(async () => {
    fixture = await createReplicationFixture(
      'repl_restart',
      ({ publication }) => `
        CREATE TABLE events (id int PRIMARY KEY);
        GRANT SELECT ON events TO cdc_reader;
        CREATE PUBLICATION ${publication} FOR TABLE events;`,
    );
    second = new pg.Client({ connectionString: fixture.database.url('DATABASE_URL_CORE_OWNER') });
    await second.connect();
  });

  afterAll(async () => {
    await second?.end();
    await fixture?.cleanup();
  });

  /** T2 writes its row first and commits right after T1, so nothing lands between the two commit records. */
  async function adjacentCommits(first: number, next: number): Promise<void> {
    await second.query('BEGIN');
    await second.query('INSERT INTO events VALUES ($1)', [next]);
    await fixture.owner.query('BEGIN');
    await fixture.owner.query('INSERT INTO events VALUES ($1)', [first]);
    await fixture.owner.query('COMMIT');
    await second.query('COMMIT');
  }

  it('delivers the unconfirmed transaction again, and the +1 position would have skipped it', async () => {
    // Background WAL (a checkpoint's running-xacts record) can fall between the commits: try a few times.
    let t1: CommitMessage | undefined;
    let t2: CommitMessage | undefined;
    let t2Row = 0;
    let session = await fixture.started();
    for (let attempt = 0; attempt < 5; attempt++) {
      t2Row = attempt * 10 + 2;
      await adjacentCommits(t2Row - 1, t2Row);
      const read = commits(await collect(session, (messages) => commitCount(messages) >= 2));
      [t1, t2] = read;
      if (t1 && t2 && t2.commitLsn === t1.commitEndLsn) break;
    }
    if (!t1 || !t2) throw new Error('no transactions read');
    expect(formatLsn(t2.commitLsn)).toBe(formatLsn(t1.commitEndLsn));

    // Confirm T1 only and make sure the server has it, then crash.
    session.confirm(t1.commitEndLsn);
    expect(session.sendStatus()).toBe(true);
    await expect.poll(() => fixture.confirmedFlush(), { timeout: 10_000 }).toBe(t1.commitEndLsn);
    session.abort();
    await fixture.waitForSlotInactive();

    // A later transaction, so that "T2 skipped" shows up as "T3 first".
    await fixture.owner.query('INSERT INTO events VALUES (1000)');

    // What lsn + 1 would do: T2's commit starts before the start position, so the server skips it.
    session = await fixture.started(t1.commitEndLsn + 1n);
    const skipped = await collect(session, (messages) => commitCount(messages) >= 1);
    expect(insertedIds(skipped)).toEqual(['1000']);
    expect(await fixture.confirmedFlush()).toBe(t1.commitEndLsn); // it confirmed nothing

    // The durable position, exactly: T2 comes again, then T3. Started at once after a crash, the slot may still
    // look busy (55006) for a moment: that error is retriable, so the usual backoff gets through.
    session.abort();
    const durable = await fixture.confirmedFlush();
    expect(durable).toBe(t1.commitEndLsn);
    session = await withBackoff(() => fixture.started(durable), {
      attempts: 20,
      initialDelayMs: 50,
      maxDelayMs: 500,
    });
    const replayed = await collect(session, (messages) => commitCount(messages) >= 2);
    expect(commits(replayed)[0]?.commitLsn).toBe(t2.commitLsn);
    expect(insertedIds(replayed)).toEqual([String(t2Row), '1000']);
  });
});
