/**
 * Gathers the pipeline's state every `intervalMs`, keeps the latest one and an hour of compact samples, and
 * tells subscribers (the metrics, the dashboard's event stream) about each new one.
 *
 * One collect at a time: the next tick is scheduled only when the previous collect has settled, so a slow
 * source (a broker timing out) stretches the cadence instead of piling up calls against it. A failing collect
 * is logged and tried again at the next tick; the loop never dies of it. A collect that never settles is not
 * abandoned (starting another would overlap it): liveness reports the wedged loop so the pod gets restarted.
 */
import type { Logger } from '../../../lib/logging/index.ts';
import type { Probe } from '../../../lib/observability/ops-server.ts';
import type { PipelineState } from '../pipeline-state/state.ts';
import { RingBuffer } from './ring-buffer.ts';
import { type CounterReading, deriveSample, type Sample, sampleTime } from './sample.ts';

export interface StateSource {
  collect(): Promise<PipelineState>;
}

export const defaultSampleIntervalMs = 5_000;
/** One hour at the default interval. */
export const defaultHistoryCapacity = 720;

export interface SamplerOptions {
  source: StateSource;
  logger: Logger;
  intervalMs?: number;
  capacity?: number;
  /** Liveness fails when one collect has been running this long (default: 10 intervals, at least 60 s). */
  stalledAfterMs?: number;
  now?: () => number;
}

export interface Snapshot {
  state: PipelineState;
  sample: Sample;
}

export type SamplerEvent =
  | ({ type: 'sample' } & Snapshot)
  | { type: 'collect-failed'; at: string; message: string; consecutiveFailures: number };

export type SamplerListener = (event: SamplerEvent) => void;

export class Sampler {
  readonly intervalMs: number;
  readonly #source: StateSource;
  readonly #logger: Logger;
  readonly #history: RingBuffer<Sample>;
  readonly #stalledAfterMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<SamplerListener>();
  #latest: Snapshot | undefined;
  #previous: CounterReading | undefined;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #inFlightSince = 0;
  #consecutiveFailures = 0;
  #lastError: string | undefined;

  constructor(options: SamplerOptions) {
    this.intervalMs = options.intervalMs ?? defaultSampleIntervalMs;
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${this.intervalMs}`);
    this.#source = options.source;
    this.#logger = options.logger;
    this.#history = new RingBuffer(options.capacity ?? defaultHistoryCapacity);
    this.#stalledAfterMs = options.stalledAfterMs ?? Math.max(60_000, 10 * this.intervalMs);
    this.#now = options.now ?? Date.now;
  }

  get latest(): Snapshot | undefined {
    return this.#latest;
  }

  get capacity(): number {
    return this.#history.capacity;
  }

  /** Samples taken strictly after `sinceMs` (all of them without it), oldest first. */
  history(sinceMs?: number): Sample[] {
    const samples = this.#history.toArray();
    return sinceMs === undefined ? samples : samples.filter((sample) => sample.t > sinceMs);
  }

  subscribe(listener: SamplerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Takes the first sample at once, then one per interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** No new collect starts; resolves once the one in flight (if any) has settled. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  /** Alive while running and no collect is stuck. */
  liveness(): Probe {
    if (!this.#running) return { ok: false, detail: 'sampler stopped' };
    const busyFor = this.#inFlight ? this.#now() - this.#inFlightSince : 0;
    if (busyFor > this.#stalledAfterMs) {
      return { ok: false, detail: `a state collect has been running for ${Math.round(busyFor / 1000)} s` };
    }
    return {
      ok: true,
      detail: this.#lastError ? `sampling (last collect failed: ${this.#lastError})` : 'sampling',
    };
  }

  /** Ready once there is a state to serve. */
  readiness(): Probe {
    if (this.#latest) return { ok: true, detail: `latest state gathered at ${this.#latest.state.at}` };
    const why = this.#lastError
      ? `${this.#consecutiveFailures} collect(s) failed, last: ${this.#lastError}`
      : this.#running
        ? 'first collect in progress'
        : 'sampler not started';
    return { ok: false, detail: `no pipeline state yet (${why})` };
  }

  /** One collect, whatever the schedule; used by the loop and by tests. Never rejects. */
  async sampleOnce(): Promise<void> {
    try {
      const state = await this.#source.collect();
      const t = sampleTime(state, this.#now());
      const sample = deriveSample(state, t, this.#previous);
      this.#previous = { t, counters: state.counters };
      this.#latest = { state, sample };
      this.#history.push(sample);
      this.#consecutiveFailures = 0;
      this.#lastError = undefined;
      this.#emit({ type: 'sample', state, sample });
    } catch (error) {
      this.#consecutiveFailures += 1;
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#logger.warn(
        { err: error, consecutiveFailures: this.#consecutiveFailures },
        'could not collect the pipeline state; trying again at the next tick',
      );
      this.#emit({
        type: 'collect-failed',
        at: new Date(this.#now()).toISOString(),
        message: this.#lastError,
        consecutiveFailures: this.#consecutiveFailures,
      });
    }
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const startedAt = this.#now();
      this.#inFlightSince = startedAt;
      this.#inFlight = this.sampleOnce().finally(() => {
        this.#inFlight = undefined;
        // Keep the cadence, but leave a breather after a collect that overran the interval.
        const elapsed = this.#now() - startedAt;
        if (this.#running) this.#schedule(Math.max(this.intervalMs - elapsed, this.intervalMs / 4));
      });
    }, delayMs);
  }

  #emit(event: SamplerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ err: error, event: event.type }, 'a sampler subscriber failed; ignored');
      }
    }
  }
}
