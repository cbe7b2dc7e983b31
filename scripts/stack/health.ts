/** Bounded waiting for real health checks, and the small network probes they share. */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';
import type { Health } from './service.ts';

export interface WaitOptions {
  timeoutMs: number;
  /** First pause between attempts; it grows by half each time, up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Checked between attempts: a server that died while starting will never become healthy, so stop waiting. */
  stillRunning?: () => boolean;
}

/** Backoff schedule, pure so it can be tested: delays until their sum would pass the timeout. */
export function backoffDelays(timeoutMs: number, initialDelayMs = 200, maxDelayMs = 2_000): number[] {
  const delays: number[] = [];
  let total = 0;
  let delay = initialDelayMs;
  while (total + delay <= timeoutMs) {
    delays.push(delay);
    total += delay;
    delay = Math.min(Math.round(delay * 1.5), maxDelayMs);
  }
  return delays;
}

export async function waitForHealth(
  label: string,
  check: () => Promise<Health>,
  options: WaitOptions,
): Promise<Health> {
  let last: Health = { ok: false, detail: 'not checked' };
  for (const delay of [0, ...backoffDelays(options.timeoutMs, options.initialDelayMs, options.maxDelayMs)]) {
    if (delay > 0) await sleep(delay);
    if (options.stillRunning && !options.stillRunning()) {
      throw new StackError('start-failed', `${label} exited while starting (last check: ${last.detail})`);
    }
    last = await safeCheck(check);
    if (last.ok) return last;
  }
  throw new StackError('unhealthy', `${label} not healthy after ${options.timeoutMs} ms: ${last.detail}`);
}

/** A health check never throws: a failure is a result with the reason in `detail`. */
export async function safeCheck(check: () => Promise<Health>): Promise<Health> {
  try {
    return await check();
  } catch (error) {
    return { ok: false, detail: describeError(error) };
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error.message || error.name;
    return code && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(error);
}

export async function withTimeout<T>(label: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when something accepts TCP connections on host:port (used to refuse starting on a port someone else holds). */
export function portAcceptsConnections(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
