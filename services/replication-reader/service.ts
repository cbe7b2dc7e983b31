/**
 * The reader as a long-running service: wait for the lease (not ready meanwhile), stream, restart from the
 * durable position with backoff after a transient failure, stop gracefully when asked.
 */
import { classifyError } from '../../lib/errors/index.ts';
import { type Notifier, noopNotifier } from '../../lib/notify/index.ts';
import { backoffDelay, sleep } from '../../lib/retry/backoff.ts';
import { reportError } from '../../lib/runtime/index.ts';
import { acquireLease } from '../../lib/source/lease.ts';
import { ReaderAlerts } from './alerts.ts';
import { OversizedTables } from './pipeline/oversized-tables.ts';
import { UnmappableTables } from './pipeline/unmappable-tables.ts';
import { type ReaderRunOptions, runReader } from './reader.ts';

/** What one run needs (reader.ts), plus the restart budget; readiness is reported by the service itself. */
export type ReaderServiceOptions = Omit<ReaderRunOptions, 'onStreaming' | 'onTablePaused'> & {
  /** Consecutive failed runs before the process gives up (and its supervisor restarts it). */
  maxConsecutiveFailures?: number;
  /** Alerts to people (alerts.ts); default: none. */
  notifier?: Notifier;
  /** Consecutive failed runs before people are alerted (default 3). */
  alertAfterFailures?: number;
};

export type ReaderState =
  | 'waiting-for-lease'
  | 'starting'
  | 'streaming'
  | 'restarting'
  | 'stopping'
  | 'stopped';

export class ReaderService {
  state: ReaderState = 'starting';
  detail = 'starting';
  private readonly alerts: ReaderAlerts;
  /** Outlives the runs: a replay would meet the too-large message again (pipeline/oversized-tables.ts). */
  private readonly oversized = new OversizedTables();
  /** Outlives the runs too: only a deploy changes how a value maps (pipeline/unmappable-tables.ts). */
  private readonly unmappable = new UnmappableTables();

  constructor(private readonly options: ReaderServiceOptions) {
    this.alerts = new ReaderAlerts(options.notifier ?? noopNotifier, options);
  }

  /** Runs until `stopRequested` resolves (graceful) or failures exhaust the budget (throws). */
  async run(stopRequested: Promise<void>): Promise<void> {
    const { logger, metrics } = this.options;
    const stopController = new AbortController();
    void stopRequested.then(() => {
      stopController.abort(new Error('stop requested'));
      // Readiness drops first: out of rotation at once, while the in-flight changes are flushed and confirmed.
      this.set('stopping', 'stopping: flushing in-flight changes, confirming, then releasing the lease');
    });
    this.set('waiting-for-lease', `waiting for the lease on slot ${this.options.slot}`);
    const lease = await acquireLease(this.options.coreUrl, this.options.slot, {
      signal: stopController.signal,
      onWaiting: ({ holderPid }) =>
        this.set(
          'waiting-for-lease',
          `another reader holds slot ${this.options.slot} (backend pid ${holderPid ?? '?'})`,
        ),
    }).catch((error: unknown) => {
      if (stopController.signal.aborted) return undefined;
      throw error;
    });
    if (!lease) return this.set('stopped', 'stopped before acquiring the lease');
    logger.info({ slot: this.options.slot }, 'lease acquired');
    const stopOrLost = Promise.race([stopRequested, lease.lost.then(() => undefined)]);
    let failures = 0;
    try {
      while (!stopController.signal.aborted && !lease.signal.aborted) {
        this.set('starting', 'connecting to PostgreSQL and Kafka');
        try {
          const outcome = await runReader(
            {
              ...this.options,
              oversized: this.oversized,
              confirmLease: () => lease.confirm(),
              unmappable: this.unmappable,
              onTablePaused: (table, paused, cause) => this.alerts.tablePaused(table, paused, cause),
              onStreaming: () => {
                this.alerts.streaming();
                failures = 0;
                this.set('streaming', `streaming slot ${this.options.slot}`);
              },
            },
            stopOrLost,
          );
          if (outcome === 'replay') {
            logger.info('replaying from the durable position to resume a paused table');
            continue;
          }
          break; // otherwise a run only returns on stop or lease loss
        } catch (error) {
          failures++;
          metrics.restarts.inc();
          const disposition = classifyError(error);
          reportError(error, { service: 'replication-reader', disposition });
          const delayMs = Math.round(backoffDelay(failures, { initialDelayMs: 500, maxDelayMs: 30_000 }));
          this.alerts.runFailed(error, failures, delayMs);
          if (failures >= (this.options.maxConsecutiveFailures ?? 20)) throw error;
          // Fatal errors (configuration, a rejected schema) are retried slowly too: an operator may fix them
          // live, and holding the slot loses nothing, whereas exiting would just restart the same way.
          logger.error(
            { err: error, disposition, failures, delayMs },
            'reader run failed; restarting from the durable position',
          );
          this.set('restarting', `${(error as Error).message} (retrying in ${Math.round(delayMs / 1000)} s)`);
          await sleep(delayMs, stopController.signal).catch(() => undefined);
        }
      }
    } finally {
      this.set('stopping', 'releasing the lease');
      await lease.release();
      this.set('stopped', 'stopped');
    }
  }

  private set(state: ReaderState, detail: string): void {
    // Once stopping, a run still starting up must not report itself streaming (ready) again; stopped is final.
    if (this.state === 'stopped') return;
    if (this.state === 'stopping' && state !== 'stopping' && state !== 'stopped') return;
    this.state = state;
    this.detail = detail;
  }
}
