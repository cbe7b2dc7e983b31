/**
 * The notifier a service gets from its configuration (the `alerts` section): Slack when SLACK_WEBHOOK_URL is
 * set, otherwise the no-op. Created in a service's main.ts and passed to what raises alerts.
 */
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { noopNotifier } from './noop-notifier.ts';
import { SlackNotifier } from './slack-notifier.ts';
import type { Notifier } from './types.ts';

export type AlertsConfig = Config<'alerts'>['alerts'];

export function createNotifier(alerts: AlertsConfig, logger: Logger, service: string): Notifier {
  if (!alerts.slack) return noopNotifier;
  const notifier = new SlackNotifier({
    webhookUrl: alerts.slack.webhookUrl,
    channel: alerts.slack.channel,
    environment: alerts.environment,
    minIntervalMs: alerts.minIntervalSeconds * 1000,
    logger: logger.child({ component: 'notify' }),
  });
  logger.info(
    { environment: alerts.environment, minIntervalSeconds: alerts.minIntervalSeconds, service },
    'alerts go to Slack',
  );
  return notifier;
}
