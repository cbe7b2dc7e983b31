/**
 * The lease on a real PostgreSQL: a second reader waits while the first holds it, and takes over within
 * seconds when the first one's connection is killed, at which point the first learns it lost the lease.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../lib/errors/index.ts';
import { acquireLease, type Lease, type LeaseWaiting } from '../../lib/source/lease.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { uniqueName } from '../support/names.ts';
import { connect } from './core-scratch.ts';

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms)),
  ]);
}

const fastPolling = { pollInitialMs: 100, pollMaxMs: 500, heartbeatMs: 1_000 };

describe('reader lease', () => {
  let database: ScratchDatabase;
  let admin: pg.Client;
  let url: string;
  const leases: Lease[] = [];

  beforeAll(async () => {
    database = await createScratchDatabase('setup_lease');
    url = database.url('DATABASE_URL_CORE');
    admin = await connect(url);
  });

  afterAll(async () => {
    for (const lease of leases) await lease.release();
    await admin?.end();
    await database?.drop();
  });

  it('makes a second instance wait, then take over when the first one’s connection dies', async () => {
    const slot = uniqueName('lease');
    const first = await acquireLease(url, slot, fastPolling);
    leases.push(first);

    const waits: LeaseWaiting[] = [];
    let secondSettled = false;
    const secondPromise = acquireLease(url, slot, {
      ...fastPolling,
      onWaiting: (waiting) => waits.push(waiting),
    });
    secondPromise.then(
      () => {
        secondSettled = true;
      },
      () => undefined,
    );

    await within(
      (async () => {
        while (waits.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
      })(),
      5_000,
      'three waiting polls',
    );
    expect(secondSettled).toBe(false);
    expect(waits[0]?.holderPid).toBe(first.backendPid);
    expect(first.signal.aborted).toBe(false);

    const killedAt = Date.now();
    await admin.query('SELECT pg_terminate_backend($1)', [first.backendPid]);
    const reason = await within(first.lost, 5_000, 'lease.lost on the first instance');
    expect(reason).toBeInstanceOf(PipelineError);
    expect(reason.message).toMatch(/lease on slot .* lost/);
    expect(first.signal.aborted).toBe(true);

    const second = await within(secondPromise, 5_000, 'take-over by the second instance');
    leases.push(second);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(second.backendPid).not.toBe(first.backendPid);
    const holder = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1`,
      [second.backendPid],
    );
    expect(holder.rowCount).toBe(1);
  });

  it('hands over at once on release, and stays quiet about it', async () => {
    const slot = uniqueName('lease');
    const first = await acquireLease(url, slot, fastPolling);
    await first.release();
    const waits: LeaseWaiting[] = [];
    const second = await within(
      acquireLease(url, slot, { ...fastPolling, onWaiting: (waiting) => waits.push(waiting) }),
      2_000,
      'acquire after release',
    );
    leases.push(second);
    expect(waits).toEqual([]);
    const lost = await Promise.race([
      first.lost,
      new Promise((resolve) => setTimeout(() => resolve('pending'), 300)),
    ]);
    expect(lost).toBe('pending');
  });

  it('confirm() checks now: resolves while held, rejects with the loss once the session is gone', async () => {
    const slot = uniqueName('lease');
    // No heartbeat during the test: only confirm() (and the connection's own events) can notice.
    const lease = await acquireLease(url, slot, { ...fastPolling, heartbeatMs: 600_000 });
    leases.push(lease);
    await lease.confirm();
    await admin.query('SELECT pg_terminate_backend($1)', [lease.backendPid]);
    const refused = await within(
      lease.confirm().then(
        () => 'confirmed',
        (error: unknown) => error,
      ),
      5_000,
      'confirm() after the backend was terminated',
    );
    expect(refused).toBeInstanceOf(PipelineError);
    expect(refused).toBe(await lease.lost);
  });

  it('stops waiting when aborted', async () => {
    const slot = uniqueName('lease');
    const holder = await acquireLease(url, slot, fastPolling);
    leases.push(holder);
    const controller = new AbortController();
    const waiting = acquireLease(url, slot, { ...fastPolling, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 300);
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
