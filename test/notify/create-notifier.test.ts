/** The `alerts` configuration section and the notifier it selects. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, secretVariables } from '../../lib/config/index.ts';
import { createLogger } from '../../lib/logging/index.ts';
import { createNotifier, noopNotifier, SlackNotifier } from '../../lib/notify/index.ts';

const silent = createLogger({ service: 'test', level: 'silent' });

describe('alerts configuration', () => {
  it('defaults to no Slack, a 300 s interval and the ENV label', () => {
    const { alerts } = loadConfig(['alerts'], { env: { ENV: 'staging' }, envFiles: false });
    expect(alerts).toEqual({ slack: undefined, minIntervalSeconds: 300, environment: 'staging' });
    expect(createNotifier(alerts, silent, 'test')).toBe(noopNotifier);
  });

  it('reads the webhook, channel, interval and label', () => {
    const { alerts } = loadConfig(['alerts'], {
      env: {
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret',
        SLACK_CHANNEL: '#data-alerts',
        ALERTS_MIN_INTERVAL_SECONDS: '60',
        ALERTS_ENVIRONMENT: 'eu-production',
      },
      envFiles: false,
    });
    expect(alerts).toEqual({
      slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/secret', channel: '#data-alerts' },
      minIntervalSeconds: 60,
      environment: 'eu-production',
    });
    expect(createNotifier(alerts, silent, 'test')).toBeInstanceOf(SlackNotifier);
  });

  it('names bad variables without echoing the webhook URL, which is a secret', () => {
    expect(secretVariables).toContain('SLACK_WEBHOOK_URL');
    let error: unknown;
    try {
      loadConfig(['alerts'], {
        env: { SLACK_WEBHOOK_URL: 'ftp://hooks/secret-token', ALERTS_MIN_INTERVAL_SECONDS: '0' },
        envFiles: false,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((problem) => problem.variable).sort();
    expect(problems).toEqual(['ALERTS_MIN_INTERVAL_SECONDS', 'SLACK_WEBHOOK_URL']);
    expect((error as ConfigError).message).not.toContain('secret-token');
  });

  it('logs that alerts go to Slack without the webhook URL', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 'test',
      level: 'trace',
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const notifier = createNotifier(
      {
        slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/secret-token', channel: undefined },
        minIntervalSeconds: 300,
        environment: 'test',
      },
      logger,
      'test',
    );
    await notifier.close();
    expect(lines.join('')).toContain('alerts go to Slack');
    expect(lines.join('')).not.toContain('secret-token');
  });
});
