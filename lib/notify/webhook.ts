/**
 * One JSON POST to a webhook, with bounded retries: 429 and 5xx answers, timeouts and network errors are
 * retried with backoff (or after the server's Retry-After), within a total time budget; other answers are
 * final.
 * The outcome never carries the URL (a Slack webhook URL is its own credential) nor the raw error, whose
 * message may quote it: only a status, an error code, and the server's short answer.
 */
import { backoffDelay, sleep } from '../retry/backoff.ts';

export interface WebhookRetryOptions {
  /** Total attempts, the first one included. */
  attempts: number;
  /** Each attempt gives up after this long. */
  timeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Every attempt and every wait together stay within this. */
  budgetMs: number;
}

export const defaultWebhookRetry: WebhookRetryOptions = {
  attempts: 4,
  timeoutMs: 5_000,
  initialDelayMs: 1_000,
  maxDelayMs: 15_000,
  budgetMs: 30_000,
};

export type WebhookOutcome =
  | { ok: true; attempts: number; status: number }
  | { ok: false; attempts: number; status?: number; reason: string };

/** Seconds (`120`) or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A description of a failed fetch that cannot contain the URL: the error's name and the cause's code. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  if (name === 'AbortError') return 'abandoned';
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' ? `network error (${code})` : 'network error';
}

/** The server's answer (Slack's is a word such as `invalid_payload`), without the URL should it echo it. */
async function shortAnswer(response: Response, url: string): Promise<string> {
  const text = await response.text().catch(() => '');
  const { pathname } = new URL(url);
  return text
    .replaceAll(url, '[webhook]')
    .replaceAll(pathname, '[webhook]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100);
}

export async function postWebhook(
  url: string,
  body: unknown,
  options: WebhookRetryOptions = defaultWebhookRetry,
  signal?: AbortSignal,
): Promise<WebhookOutcome> {
  const started = Date.now();
  const payload = JSON.stringify(body);
  let last: WebhookOutcome = { ok: false, attempts: 0, reason: 'not attempted' };
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const remaining = options.budgetMs - (Date.now() - started);
    if (remaining <= 0 || signal?.aborted) break;
    const timeoutMs = Math.min(options.timeoutMs, remaining);
    const timeout = AbortSignal.timeout(timeoutMs);
    let retryAfter: number | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const answer = await shortAnswer(response, url);
      if (response.ok) return { ok: true, attempts: attempt, status: response.status };
      last = {
        ok: false,
        attempts: attempt,
        status: response.status,
        reason: `HTTP ${response.status} ${answer}`.trim(),
      };
      if (!isRetriableStatus(response.status)) return last;
      retryAfter = retryAfterMs(response.headers.get('retry-after'));
    } catch (error) {
      last = { ok: false, attempts: attempt, reason: describeFetchError(error, timeoutMs) };
      if (signal?.aborted) return last;
    }
    if (attempt === options.attempts) break;
    const delayMs = retryAfter ?? backoffDelay(attempt, options);
    if (Date.now() - started + delayMs >= options.budgetMs) {
      return {
        ...last,
        reason: `${last.reason}; next attempt would exceed the ${options.budgetMs} ms budget`,
      };
    }
    try {
      await sleep(delayMs, signal);
    } catch {
      return last;
    }
  }
  return last;
}
