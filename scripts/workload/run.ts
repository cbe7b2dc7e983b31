/**
 * Drives the plan against a database: one real transaction per planned transaction, paced to the target rate,
 * retried through transient failures, and tallied so the caller knows what the tables must contain afterwards.
 */
import type { Pool, PoolClient } from 'pg';
import { PipelineError } from '../../lib/errors/index.ts';
import { sleep, withBackoff } from '../../lib/retry/backoff.ts';
import { type CoreTable, coreTables } from '../demo/domain/tables.ts';
import { runOperation } from './operations.ts';
import { parseWorkloadOptions, type WorkloadInput, type WorkloadOptions } from './options.ts';
import { type Operation, WorkloadPlan } from './plan.ts';
import { Prng } from './prng.ts';
import { type CoreReferences, countRows, loadReferences } from './references.ts';
import { type StopReason, TxChanges, type WorkloadReport, WorkloadTally } from './report.ts';
import { isTransient } from './retry.ts';

export interface RunHooks {
  /** Stops the run between transactions; the one in flight completes first. */
  signal?: AbortSignal;
  /** Operational messages (retries), for a CLI to print; silent by default. */
  log?: (message: string) => void;
}

function emptyCounts(): Record<CoreTable, number> {
  return Object.fromEntries(coreTables.map((table) => [table, 0])) as Record<CoreTable, number>;
}

/** If the schedule falls this far behind (a stall, a retry), restart it instead of bursting to catch up. */
const maxScheduleLagMs = 1_000;

interface RunContext {
  options: WorkloadOptions;
  hooks: RunHooks;
  jitter: Prng;
}

interface State {
  refs?: CoreReferences;
  tally?: WorkloadTally;
  /** Set when an attempt failed: what the pools and counts believe may no longer match the database. */
  stale: boolean;
}

/** Reads pools and counts from one snapshot, so they agree with each other. */
async function sync(client: PoolClient, state: State, options: WorkloadOptions): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    state.refs = await loadReferences(client, options.statEventSample);
    const counts = await countRows(client);
    if (state.tally) state.tally.resync(counts);
    else state.tally = new WorkloadTally(counts);
    state.stale = false;
  } finally {
    await client.query('COMMIT');
  }
}

const ignoreClientError = () => undefined;

/**
 * Runs `work` on a pooled client, retrying transient failures with backoff (lib/retry) up to `maxRetries` times.
 * Returns false when the signal stopped the wait between attempts.
 */
async function withRetries(
  pool: Pool,
  state: State,
  context: RunContext,
  work: (client: PoolClient) => Promise<void>,
): Promise<boolean> {
  const { options, hooks } = context;
  const attempt = async () => {
    const client = await pool.connect();
    // A checked-out client whose server goes away emits 'error' besides failing the query; unheard, that
    // event would crash the process instead of reaching the retry.
    client.on('error', ignoreClientError);
    try {
      if (state.stale) await sync(client, state, options);
      await work(client);
    } catch (error) {
      state.stale = true;
      await client.query('ROLLBACK').catch(() => undefined);
      client.off('error', ignoreClientError);
      // The connection may be half-dead; never hand it back to the pool.
      client.release(true);
      throw error;
    }
    client.off('error', ignoreClientError);
    client.release();
  };
  try {
    await withBackoff(attempt, {
      attempts: options.maxRetries + 1,
      initialDelayMs: 100,
      maxDelayMs: 5_000,
      shouldRetry: isTransient,
      signal: hooks.signal,
      // Jitter from the seeded generator too: a seeded run stays free of Math.random.
      random: () => context.jitter.next(),
      onRetry: (error, attemptNumber, delayMs) => {
        state.stale = true;
        if (state.tally) state.tally.retries += 1;
        hooks.log?.(
          `transient error (${(error as Error).message}); attempt ${attemptNumber + 1}/${options.maxRetries + 1} in ${delayMs} ms`,
        );
      },
    });
    return true;
  } catch (error) {
    if (hooks.signal?.aborted && error === hooks.signal.reason) return false;
    if (isTransient(error)) {
      throw new PipelineError(
        'DATABASE_UNAVAILABLE',
        `workload gave up after ${options.maxRetries + 1} attempts`,
        {
          cause: error,
          retriable: true,
        },
      );
    }
    const missingTable = (error as { code?: unknown }).code === '42P01';
    const hint = missingTable ? ' (is the core schema migrated? npm run core:migrate)' : '';
    throw new PipelineError(
      'COMMAND_FAILED',
      `workload transaction failed: ${(error as Error).message}${hint}`,
      {
        cause: error,
      },
    );
  }
}

async function runTransaction(
  client: PoolClient,
  state: State,
  operations: readonly Operation[],
): Promise<void> {
  const refs = state.refs as CoreReferences;
  const tx = new TxChanges();
  await client.query('BEGIN');
  for (const operation of operations) {
    tx.operations += 1;
    if (!(await runOperation(client, refs, operation, tx))) tx.skippedOperations += 1;
  }
  await client.query('COMMIT');
  (state.tally as WorkloadTally).commit(tx);
}

export async function runWorkload(
  pool: Pool,
  input: WorkloadInput = {},
  hooks: RunHooks = {},
): Promise<WorkloadReport> {
  const options = parseWorkloadOptions(input);
  const plan = new WorkloadPlan(options.seed, options);
  const state: State = { stale: true };
  const context: RunContext = { options, hooks, jitter: new Prng(options.seed).fork(0x6a177e5) };
  let stoppedBy: StopReason = 'signal';
  const ready = await withRetries(pool, state, context, async () => undefined);

  const started = performance.now();
  const deadline =
    options.durationSeconds === undefined
      ? Number.POSITIVE_INFINITY
      : started + options.durationSeconds * 1000;
  const intervalMs = options.rate > 0 ? 1000 / options.rate : 0;
  let scheduleStart = started;
  let scheduled = 0;
  while (ready) {
    const tally = state.tally as WorkloadTally;
    if (hooks.signal?.aborted) break;
    if (options.count !== undefined && tally.transactions >= options.count) {
      stoppedBy = 'count';
      break;
    }
    const now = performance.now();
    if (now >= deadline) {
      stoppedBy = 'duration';
      break;
    }
    if (intervalMs > 0) {
      const wait = scheduleStart + scheduled * intervalMs - now;
      if (wait > 0) {
        await sleep(Math.min(wait, deadline - now), hooks.signal).catch(() => undefined);
        continue;
      }
      if (-wait > maxScheduleLagMs) {
        scheduleStart = now;
        scheduled = 0;
      }
    }
    const operations = plan.nextTransaction();
    const done = await withRetries(pool, state, context, (client) =>
      runTransaction(client, state, operations),
    );
    if (!done) break;
    scheduled += 1;
  }

  // Only missing when stopped before the database was ever reached.
  const tally = state.tally ?? new WorkloadTally(emptyCounts());
  const durationSeconds = (performance.now() - started) / 1000;
  return {
    seed: options.seed,
    stoppedBy,
    transactions: tally.transactions,
    operations: tally.operations,
    skippedOperations: tally.skippedOperations,
    retries: tally.retries,
    resyncs: tally.resyncs,
    durationSeconds,
    targetTxPerSecond: options.rate > 0 ? options.rate : null,
    achievedTxPerSecond: durationSeconds > 0 ? tally.transactions / durationSeconds : 0,
    rowsWritten: tally.rowsWritten,
    rowsPerSecond: durationSeconds > 0 ? tally.rowsWritten / durationSeconds : 0,
    tables: tally.tables,
  };
}
