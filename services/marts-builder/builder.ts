/**
 * The marts builder: every tick, one dbt build of the marts up to the consistent watermark (watermark.ts).
 *
 * - Single flight, even across replicas: a build runs only while holding a PostgreSQL advisory lock in the
 *   analytics database (released with the session if the process dies); a replica that cannot take it skips
 *   the tick.
 * - Micro-batched facts are recomputed for the window build-window.ts chooses, ending at the watermark
 *   (`--event-time-start/--event-time-end`), so they never count a change the sink has not applied
 *   everywhere; the other models rebuild from raw.
 * - Every build is recorded in cdc.marts_runs and in the metrics; a failure is logged and reported (Sentry)
 *   with the failing model and dbt's message, and the next tick backs off (doubling up to the maximum).
 * - People hear of it (lib/notify) after `alertAfterFailures` consecutive failures, and of the first success
 *   after that.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { runDbt } from '../../lib/dbt/run.ts';
import { disclosableMessage } from '../../lib/errors/disclosure.ts';
import type { Logger } from '../../lib/logging/index.ts';
import { type Notifier, noopNotifier } from '../../lib/notify/index.ts';
import { withPooledClient } from '../../lib/postgres/index.ts';
import { buildWindow, type WindowSettings } from './build-window.ts';
import { readDbtOutcome } from './dbt-results.ts';
import type { BuilderMetrics } from './metrics.ts';
import { closeAbandonedRuns, recordEnd, recordStart } from './run-log.ts';
import { consistentWatermark } from './watermark.ts';

/** The advisory lock key of the marts build ("cdc marts" in ASCII), one per analytics database. */
const buildLockKey = 0x63646d61727473n;

export interface MartsBuilderOptions {
  pool: pg.Pool;
  admin: Pick<Admin, 'fetchTopicOffsets'>;
  sinkGroupId: string;
  topics: readonly string[];
  dbt: { databaseUrl: string; threads: number; venv?: string; select?: string; projectDir?: string };
  tickMs: number;
  maxBackoffMs: number;
  window: WindowSettings;
  logger: Logger;
  metrics: BuilderMetrics;
  report: (error: unknown, context: Record<string, string | number | boolean>) => void;
  /** Alerts to people; default: none. */
  notifier?: Notifier;
  /** Consecutive failed builds before people are alerted (default 3). */
  alertAfterFailures?: number;
}

export type BuildOutcome =
  | { status: 'success'; watermark: Date; models: number; rowsAffected: number }
  | { status: 'failed'; error: string; failingNode?: string }
  | { status: 'skipped'; reason: string };

export class MartsBuilder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BuildOutcome> | undefined;
  private stopped = false;
  private failures = 0;
  /** One dbt target folder per process: kept between builds for partial parsing, never shared with another. */
  private readonly targetPath = mkdtempSync(path.join(tmpdir(), 'cdc-marts-'));

  constructor(private readonly options: MartsBuilderOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops scheduling; a build in progress finishes (its dbt run included) before this resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    rmSync(this.targetPath, { recursive: true, force: true });
  }

  /** The delay before the next tick: the tick, doubled per consecutive failure, capped. */
  nextDelayMs(): number {
    const { tickMs, maxBackoffMs } = this.options;
    return Math.min(maxBackoffMs, tickMs * 2 ** Math.min(this.failures, 20));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.buildOnce();
      void this.running.finally(() => {
        this.running = undefined;
        this.schedule(this.nextDelayMs());
      });
    }, delayMs);
  }

  /** One tick: lock, watermark, dbt build, record. Never throws: the outcome says what happened. */
  async buildOnce(): Promise<BuildOutcome> {
    const { pool, logger, metrics } = this.options;
    try {
      return await withPooledClient(pool, async (lock) => {
        const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
          String(buildLockKey),
        ]);
        if (!rows[0]?.locked) {
          metrics.runs.inc({ status: 'skipped' });
          return { status: 'skipped', reason: 'another builder is running' } as const;
        }
        try {
          await closeAbandonedRuns(pool);
          return await this.buildHoldingLock();
        } finally {
          await lock.query('SELECT pg_advisory_unlock($1)', [String(buildLockKey)]).catch(() => undefined);
        }
      });
    } catch (error) {
      // The analytics database or Kafka away before dbt even ran: a failure like any other, retried later.
      this.failures++;
      metrics.runs.inc({ status: 'failed' });
      metrics.consecutiveFailures.set(this.failures);
      logger.error({ err: error }, 'marts build could not run; backing off');
      this.options.report(error, { stage: 'marts-builder' });
      this.alertFailure('the build could not start', disclosableMessage(error));
      return { status: 'failed', error: (error as Error).message };
    }
  }

  private alertFailure(failing: string, message: string): void {
    if (this.failures < (this.options.alertAfterFailures ?? 3)) return;
    (this.options.notifier ?? noopNotifier).notify({
      kind: 'failure',
      service: 'marts-builder',
      key: 'marts.build',
      title: `marts build failed ${this.failures} times in a row`,
      // dbt's message names the model and the database error; scrubbing drops PostgreSQL's DETAIL lines.
      detail: message,
      fields: {
        failing: failing,
        'consecutive failures': this.failures,
        'next attempt in': `${Math.round(this.nextDelayMs() / 1000)} s`,
      },
    });
  }

  /** Before the failure count is reset: people were told only past the threshold. */
  private alertRecovery(watermark: Date): void {
    if (this.failures < (this.options.alertAfterFailures ?? 3)) return;
    (this.options.notifier ?? noopNotifier).notify({
      kind: 'recovery',
      service: 'marts-builder',
      key: 'marts.build',
      title: 'marts build succeeded again',
      detail: `after ${this.failures} consecutive failures; the marts are up to date to ${watermark.toISOString()}`,
      fields: { 'failed builds': this.failures },
    });
  }

  private async buildHoldingLock(): Promise<BuildOutcome> {
    const { pool, logger, metrics, dbt } = this.options;
    const watermark = await consistentWatermark(
      pool,
      this.options.admin,
      this.options.sinkGroupId,
      this.options.topics,
    );
    if (!watermark.at) {
      metrics.runs.inc({ status: 'skipped' });
      const id = await recordStart(pool, undefined);
      await recordEnd(pool, id, { status: 'skipped', error: 'nothing applied yet on every partition' });
      return { status: 'skipped', reason: 'no consistent watermark yet' };
    }
    const window = await buildWindow(pool, watermark.at, this.options.window);
    const { start, end } = window;
    const id = await recordStart(pool, { start, end, fullRebuild: window.reason === 'begin' });
    const started = performance.now();
    const targetPath = this.targetPath;
    // A run that dies before writing its results must not be read as the previous run's.
    rmSync(path.join(targetPath, 'run_results.json'), { force: true });
    {
      const args = [
        'build',
        '--event-time-start',
        dbtTime(start),
        '--event-time-end',
        dbtTime(end),
        '--vars',
        JSON.stringify({ marts_begin: dbtTime(this.options.window.begin).slice(0, 10) }),
        '--target-path',
        targetPath,
        '--log-path',
        targetPath,
        ...(dbt.select ? ['--select', dbt.select] : []),
      ];
      const run = await runDbt({
        args,
        databaseUrl: dbt.databaseUrl,
        threads: dbt.threads,
        venv: dbt.venv,
        projectDir: dbt.projectDir,
        capture: true,
      });
      const outcome = readDbtOutcome(targetPath);
      metrics.buildSeconds.observe((performance.now() - started) / 1000);
      if (run.code === 0 && outcome && outcome.failures.length === 0) {
        this.alertRecovery(end);
        this.failures = 0;
        metrics.runs.inc({ status: 'success' });
        metrics.consecutiveFailures.set(0);
        metrics.lastSuccess.set(Date.now() / 1000);
        metrics.watermark.set(end.getTime() / 1000);
        await recordEnd(pool, id, {
          status: 'success',
          models: outcome.models,
          rowsAffected: outcome.rowsAffected,
        });
        logger.info(
          {
            watermark: end.toISOString(),
            windowStart: start.toISOString(),
            window: window.reason,
            models: outcome.models,
            rows: outcome.rowsAffected,
          },
          'marts built',
        );
        return {
          status: 'success',
          watermark: end,
          models: outcome.models,
          rowsAffected: outcome.rowsAffected,
        };
      }
      const failure = outcome?.failures[0];
      const error = failure
        ? `${failure.node}: ${failure.message}`
        : `dbt exited with ${run.code}: ${lastLines(run.output, 15)}`;
      this.failures++;
      metrics.runs.inc({ status: 'failed' });
      metrics.consecutiveFailures.set(this.failures);
      await recordEnd(pool, id, {
        status: 'failed',
        models: outcome?.models,
        rowsAffected: outcome?.rowsAffected,
        error,
      });
      logger.error(
        { failingNode: failure?.node, dbtMessage: failure?.message, failures: this.failures },
        'marts build failed; the next tick backs off',
      );
      this.options.report(new Error(`marts build failed: ${error}`), {
        stage: 'marts-builder',
        failingNode: failure?.node ?? 'dbt',
      });
      this.alertFailure(failure?.node ?? 'dbt', error);
      return { status: 'failed', error, failingNode: failure?.node };
    }
  }
}

/** `YYYY-MM-DDTHH:MM:SS`, in UTC: the form dbt's --event-time-* options accept. */
function dbtTime(time: Date): string {
  return time.toISOString().slice(0, 19);
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
