/**
 * Only one reader may stream a slot. The lease is a session-level advisory lock held by a dedicated connection:
 * PostgreSQL releases it the moment that session ends, so a crashed or partitioned reader hands over without
 * anyone cleaning up. A second instance keeps trying with bounded backoff (it is "waiting", not ready) and takes
 * over within one poll interval of the first one's connection dropping.
 *
 * The holder must stop streaming as soon as `lost` settles: another instance may hold the lock a moment later.
 * A heartbeat checks the lock every few seconds, so a silently dead connection is noticed by the holder too;
 * server-side TCP keepalives make PostgreSQL notice a vanished holder and release the lock.
 */
import pg from 'pg';
import { isRetriable, PipelineError } from '../../lib/errors/index.ts';
import { backoffDelay, sleep } from '../../lib/retry/backoff.ts';
import { leaseKey, leaseLockIds } from './lease-key.ts';

export interface LeaseWaiting {
  attempt: number;
  /** Backend pid of the session holding the lock, when visible (null after a connection failure). */
  holderPid: number | null;
  retryInMs: number;
  /** Set when the attempt failed to reach PostgreSQL rather than finding the lock taken. */
  error?: unknown;
}

export interface LeaseOptions {
  signal?: AbortSignal;
  onWaiting?: (waiting: LeaseWaiting) => void;
  /** First and longest pause between attempts (defaults 250 ms and 5 s): the worst-case take-over delay. */
  pollInitialMs?: number;
  pollMaxMs?: number;
  /** How often the holder checks that its lock is still there (default 5 s). */
  heartbeatMs?: number;
  random?: () => number;
}

export interface Lease {
  readonly slot: string;
  readonly key: bigint;
  readonly backendPid: number;
  /** Settles (never rejects) with the reason when the lease is lost; stays pending after release(). */
  readonly lost: Promise<PipelineError>;
  /** Aborted with the same reason when the lease is lost: hand it to the streaming loop. */
  readonly signal: AbortSignal;
  /**
   * Checks now (not at the next heartbeat) that the lock is still held; rejects with the loss reason otherwise.
   * For steps that would harm a reader that took over if this one had lost the lease unnoticed.
   */
  confirm(): Promise<void>;
  release(): Promise<void>;
}

const ignore = () => undefined;

async function connect(url: string, slot: string, timeoutMs: number): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: `cdc-lease:${slot}`.slice(0, 63),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: 10_000,
    query_timeout: timeoutMs,
  });
  client.on('error', ignore); // replaced by the holder's handlers once the lock is ours
  await client.connect();
  // Let the server notice a vanished holder within ~25 s (TCP only), and never end this idle session itself.
  await client.query(
    `SELECT set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false),
            set_config('tcp_keepalives_count', '3', false), set_config('idle_session_timeout', '0', false)`,
  );
  return client;
}

async function holderPid(client: pg.Client, key: bigint): Promise<number | null> {
  const { classid, objid } = leaseLockIds(key);
  const result = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND classid = $1::oid AND objid = $2::oid AND objsubid = 1 AND granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [classid, objid],
  );
  return result.rows[0]?.pid ?? null;
}

function hold(client: pg.Client, slot: string, key: bigint, backendPid: number, heartbeatMs: number): Lease {
  const controller = new AbortController();
  let settle: (error: PipelineError) => void = ignore;
  const lost = new Promise<PipelineError>((resolve) => {
    settle = resolve;
  });
  let released = false;
  let timer: NodeJS.Timeout | undefined;
  const markLost = (cause: unknown) => {
    if (released || controller.signal.aborted) return;
    const error = new PipelineError('DATABASE_UNAVAILABLE', `lease on slot ${slot} lost: stop streaming`, {
      cause,
      retriable: true,
      details: { slot },
    });
    clearInterval(timer);
    controller.abort(error);
    settle(error);
    client.end().catch(ignore);
  };
  client.removeAllListeners('error');
  client.on('error', markLost);
  client.on('end', () => markLost(new Error('lease connection closed')));

  const { classid, objid } = leaseLockIds(key);
  const check = () =>
    client
      .query<{ held: boolean }>(
        `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                          AND classid = $1::oid AND objid = $2::oid AND objsubid = 1 AND granted) AS held`,
        [classid, objid],
      )
      .then((result) => {
        if (!result.rows[0]?.held) markLost(new Error('advisory lock no longer held'));
      }, markLost);
  let checking = false;
  timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check().finally(() => {
      checking = false;
    });
  }, heartbeatMs);
  timer.unref();

  return {
    slot,
    key,
    backendPid,
    lost,
    signal: controller.signal,
    confirm: async () => {
      if (!released && !controller.signal.aborted) await check();
      if (controller.signal.aborted) throw controller.signal.reason;
      if (released) throw new PipelineError('INTERNAL', `lease on slot ${slot} already released`);
    },
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      // Ending the session releases the lock anyway; the explicit unlock just makes the hand-over immediate.
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]).catch(ignore);
      await client.end().catch(ignore);
    },
  };
}

/** Resolves once this process holds the slot's lease; rejects only on abort or a non-transient error. */
export async function acquireLease(url: string, slot: string, options: LeaseOptions = {}): Promise<Lease> {
  const key = leaseKey(slot);
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const delays = { initialDelayMs: options.pollInitialMs ?? 250, maxDelayMs: options.pollMaxMs ?? 5_000 };
  const random = options.random ?? Math.random;
  let client: pg.Client | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      // Jitter keeps several waiting replicas from polling in lock-step.
      const retryInMs = Math.round(backoffDelay(attempt, delays) * (0.5 + random() / 2));
      try {
        client ??= await connect(url, slot, Math.max(heartbeatMs, 5_000));
        const result = await client.query<{ acquired: boolean; pid: number }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS acquired, pg_backend_pid() AS pid',
          [key.toString()],
        );
        const row = result.rows[0];
        if (row?.acquired) {
          const lease = hold(client, slot, key, row.pid, heartbeatMs);
          client = undefined;
          return lease;
        }
        options.onWaiting?.({ attempt, holderPid: await holderPid(client, key), retryInMs });
      } catch (error) {
        await client?.end().catch(ignore);
        client = undefined;
        if (!isRetriable(error)) throw error;
        options.onWaiting?.({ attempt, holderPid: null, retryInMs, error });
      }
      await sleep(retryInMs, options.signal);
    }
  } finally {
    await client?.end().catch(ignore);
  }
}
