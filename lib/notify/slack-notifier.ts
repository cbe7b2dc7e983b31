/**
 * Notifications to a Slack incoming webhook. `notify` scrubs the event, asks the rate limiter, and queues the
 * message; one delivery at a time (so a recovery never overtakes the failure it clears, and Slack's one
 * message per second is respected), each with bounded retries and time (webhook.ts). A full queue drops the
 * newest message with a warning: alerts must never hold memory or the caller's loop hostage.
 * Nothing here logs the webhook URL: it is the credential.
 */
import type { Logger } from '../logging/index.ts';
import { AlertRateLimiter } from './rate-limiter.ts';
import { scrubEvent } from './scrub.ts';
import { slackMessage } from './slack-message.ts';
import type { Notifier, NotifyEvent } from './types.ts';
import { defaultWebhookRetry, postWebhook, type WebhookRetryOptions } from './webhook.ts';

export interface SlackNotifierOptions {
  webhookUrl: string;
  channel?: string;
  environment: string;
  minIntervalMs: number;
  logger: Logger;
  retry?: WebhookRetryOptions;
  /** Messages waiting for delivery before new ones are dropped. */
  maxQueued?: number;
  /** Injected by tests. */
  now?: () => number;
}

interface Delivery {
  event: NotifyEvent;
  body: unknown;
}

export class SlackNotifier implements Notifier {
  private readonly limiter: AlertRateLimiter;
  private readonly queue: Delivery[] = [];
  private readonly abandon = new AbortController();
  private draining: Promise<void> | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SlackNotifierOptions) {
    this.limiter = new AlertRateLimiter(options.minIntervalMs);
  }

  notify(event: NotifyEvent): void {
    try {
      if (this.closed) return;
      const decision = this.limiter.decide(scrubEvent(event), this.now());
      if (decision.send) this.enqueue(decision.event, decision.note);
      else
        this.options.logger.debug({ alertKind: event.kind, alertKey: event.key }, 'notification suppressed');
      this.scheduleDue();
    } catch (error) {
      this.options.logger.warn({ err: error, alertKind: event?.kind }, 'could not queue a notification');
    }
  }

  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    clearTimeout(this.dueTimer);
    if (!this.draining) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([this.draining.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!drained) {
      this.options.logger.warn({ queued: this.queue.length }, 'notifications abandoned at shutdown');
      this.queue.length = 0;
      this.abandon.abort();
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private enqueue(event: NotifyEvent, note: string | undefined): void {
    if (this.queue.length >= (this.options.maxQueued ?? 50)) {
      this.options.logger.warn(
        { alertKind: event.kind, alertKey: event.key },
        'notification queue full; dropped',
      );
      return;
    }
    const body = slackMessage(event, {
      environment: this.options.environment,
      channel: this.options.channel,
      note,
      at: new Date(this.now()),
    });
    this.queue.push({ event, body });
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    for (let delivery = this.queue.shift(); delivery; delivery = this.queue.shift()) {
      const { event, body } = delivery;
      const outcome = await postWebhook(
        this.options.webhookUrl,
        body,
        this.options.retry ?? defaultWebhookRetry,
        this.abandon.signal,
      ).catch((): { ok: false; attempts: number; reason: string } => ({
        ok: false,
        attempts: 0,
        reason: 'unexpected delivery error',
      }));
      const facts = { alertKind: event.kind, alertKey: event.key, attempts: outcome.attempts };
      if (outcome.ok) this.options.logger.debug(facts, 'notification delivered to Slack');
      else
        this.options.logger.warn(
          { ...facts, status: 'status' in outcome ? outcome.status : undefined, reason: outcome.reason },
          'notification not delivered to Slack',
        );
    }
  }

  /** Wakes up when a held-back problem may be sent (rate-limiter.ts); unref'd: never keeps a process up. */
  private scheduleDue(): void {
    clearTimeout(this.dueTimer);
    const at = this.limiter.nextDueAt();
    if (at === undefined || this.closed) return;
    this.dueTimer = setTimeout(
      () => {
        for (const due of this.limiter.due(this.now())) this.enqueue(due.event, due.note);
        this.scheduleDue();
      },
      Math.max(0, at - this.now()),
    );
    this.dueTimer.unref();
  }
}
