/**
 * How sessions end: a clean stop confirms one last time, a handler error stops the stream (never skips), and
 * the start errors a supervisor must tell apart (slot busy: wait and retry; slot missing: alert).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, PipelineError } from '../../../lib/errors/index.ts';
import { sleep } from '../../../lib/retry/backoff.ts';
import { collect, createReplicationFixture, type ReplicationFixture } from './fixture.ts';

describe('replication session lifecycle', () => {
  let fixture: ReplicationFixture;

  beforeAll(async () => {
    fixture = await createReplicationFixture(
      'repl_lifecycle',
      ({ publication }) => `
        CREATE TABLE notes (id int PRIMARY KEY);
        GRANT SELECT ON notes TO cdc_reader;
        CREATE PUBLICATION ${publication} FOR TABLE notes;`,
    );
  });

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('refuses a second reader on a busy slot with a retriable error', async () => {
    const first = await fixture.started();
    const second = fixture.session();
    const failure = await second
      .start({ slot: fixture.slot, publications: [fixture.publication], startLsn: fixture.createdAt })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    expect(failure).toMatchObject({ retriable: true, details: { sqlState: '55006' } });
    expect(classifyError(failure)).toBe('retry');
    expect(second.status().state).toBe('failed');
    expect(first.status().state).toBe('streaming'); // the holder is undisturbed
    await first.stop();
    await fixture.waitForSlotInactive();
  });

  it('reports a missing slot as not retriable', async () => {
    const session = fixture.session();
    const failure = await session
      .start({ slot: 'no_such_slot', publications: [fixture.publication], startLsn: 0n })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: 'PipelineError',
      retriable: false,
      details: { sqlState: '42704' },
    });
    expect(classifyError(failure)).toBe('fatal');
  });

  it('sends the confirmed position when stopping, and ends pending reads', async () => {
    const session = await fixture.started();
    await fixture.owner.query('INSERT INTO notes VALUES (1)');
    const read = await collect(session, (messages) => messages.at(-1)?.kind === 'commit');
    const commit = read.at(-1);
    if (commit?.kind !== 'commit') throw new Error('no commit');
    const reading = (async () => {
      while ((await session.next()) !== undefined) {} // keepalives may still come before the stop
      return 'ended';
    })();
    session.confirm(commit.commitEndLsn);
    await session.stop(); // the 10 s timer never fired: only the stop sent it
    expect(await reading).toBe('ended');
    // The walsender applies the final status update before it exits; read the slot once it has.
    await fixture.waitForSlotInactive();
    expect(await fixture.confirmedFlush()).toBe(commit.commitEndLsn);
    expect(session.status().state).toBe('stopped');
  });

  it('reads the server clock from 2000-01-01 (the library it replaces is 7 days off)', async () => {
    const session = await fixture.started();
    // Nothing is confirmed yet, so the walsender sends a keepalive as soon as it has caught up.
    const read = await collect(session, (messages) => messages.some((m) => m.kind === 'keepalive'));
    const keepalive = read.find((message) => message.kind === 'keepalive');
    expect(keepalive?.kind).toBe('keepalive');
    if (keepalive?.kind !== 'keepalive') return;
    expect(Math.abs(keepalive.serverTimeMillis - Date.now())).toBeLessThan(5_000);
    expect(session.lastKeepaliveWalEnd).toBe(keepalive.walEnd);
    await session.stop();
    await fixture.waitForSlotInactive();
  });

  it('refuses to confirm a position it never received, and tells the server nothing before a confirmation', async () => {
    const before = await fixture.confirmedFlush();
    const session = await fixture.started(before);
    // Positions 0 (InvalidXLogRecPtr) until something is confirmed: the slot does not move.
    expect(session.sendStatus()).toBe(true);
    session.confirm(before - 1n); // below the start: ignored, never sent
    expect(session.confirmedLsn).toBeUndefined();
    expect(session.sendStatus()).toBe(true);
    await sleep(200);
    expect(await fixture.confirmedFlush()).toBe(before);
    const beyond = (session.status().lastReceivedLsn ?? (await fixture.confirmedFlush())) + 1_000_000n;
    expect(() => session.confirm(beyond)).toThrow(/only .* was received/);
    await session.stop();
    await fixture.waitForSlotInactive();
  });

  it('reports a connection the server dropped as retriable', async () => {
    const session = await fixture.started();
    const reading = collect(session, () => false).catch((error: unknown) => error);
    const { rows } = await fixture.reader.query<{ killed: boolean }>(
      'SELECT pg_terminate_backend(active_pid) AS killed FROM pg_replication_slots WHERE slot_name = $1',
      [fixture.slot],
    );
    expect(rows[0]?.killed).toBe(true);
    const failure = await reading;
    expect(failure).toMatchObject({ name: 'PipelineError', retriable: true });
    expect(classifyError(failure)).toBe('retry');
    expect(session.status().state).toBe('failed');
    await fixture.waitForSlotInactive();
  });

  it('stops the stream on a handler error instead of moving on', async () => {
    const session = await fixture.started();
    await fixture.owner.query('INSERT INTO notes VALUES (2)');
    await fixture.owner.query('INSERT INTO notes VALUES (3)');
    const handled: string[] = [];
    const failure = await session
      .consume((message) => {
        if (message.kind !== 'change') return;
        handled.push(message.change.op === 'c' ? String(message.change.after.id) : '?');
        throw new Error('producer rejected the event');
      })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ message: 'producer rejected the event' });
    expect(handled).toEqual(['2']);
    expect(session.status().state).toBe('failed');
    await expect(session.next()).rejects.toThrow('producer rejected the event');
    await fixture.waitForSlotInactive();
  });
});
