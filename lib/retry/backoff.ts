/**
 * Bounded retries with exponential backoff and full jitter. Every loop that talks to a network goes through
 * this (or a library's own bounded retry), so nothing spins forever and a flapping service is not hammered.
 */
import { classifyError } from '../errors/classify.ts';

export interface BackoffOptions {
  /** Total attempts, including the first one. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Defaults to "retry what classifyError calls transient". */
  shouldRetry?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
}

export function backoffDelay(
  attempt: number,
  options: Pick<BackoffOptions, 'initialDelayMs' | 'maxDelayMs'>,
) {
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: BackoffOptions,
): Promise<T> {
  const shouldRetry = options.shouldRetry ?? ((error: unknown) => classifyError(error) === 'retry');
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !shouldRetry(error)) throw error;
      const delayMs = Math.round(random() * backoffDelay(attempt, options));
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
