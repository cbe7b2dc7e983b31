export { type AlertsConfig, createNotifier } from './create-notifier.ts';
export { noopNotifier } from './noop-notifier.ts';
export { AlertRateLimiter, type DueNotification, type RateDecision, suppressedNote } from './rate-limiter.ts';
export { scrubEvent, scrubLimits, scrubText } from './scrub.ts';
export { type SlackMessage, slackMessage } from './slack-message.ts';
export { SlackNotifier, type SlackNotifierOptions } from './slack-notifier.ts';
export type { Notifier, NotifyEvent, NotifyKind } from './types.ts';
export {
  defaultWebhookRetry,
  postWebhook,
  type WebhookOutcome,
  type WebhookRetryOptions,
} from './webhook.ts';
