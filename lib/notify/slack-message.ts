/**
 * The Slack message of a notification: `text` (what notifications and old clients show) plus Block Kit
 * blocks, in an attachment coloured by kind. Pure. Slack's mrkdwn treats `&`, `<` and `>` as markup
 * (`<!channel>` pings everyone), so every string from an event is escaped.
 */
import type { NotifyEvent, NotifyKind } from './types.ts';

export const slackStyle: Record<NotifyKind, { emoji: string; color: string; label: string }> = {
  failure: { emoji: ':rotating_light:', color: '#d92d20', label: 'Failure' },
  pause: { emoji: ':double_vertical_bar:', color: '#f79009', label: 'Paused' },
  recovery: { emoji: ':white_check_mark:', color: '#12b76a', label: 'Recovered' },
  resume: { emoji: ':arrow_forward:', color: '#12b76a', label: 'Resumed' },
  info: { emoji: ':information_source:', color: '#2e90fa', label: 'Info' },
};

export interface SlackMessageContext {
  /** `production`, `staging`...: which pipeline this is. */
  environment: string;
  /** A channel override; only legacy webhooks honour it (a Slack app's webhook posts to its own channel). */
  channel?: string;
  /** "3 more failures suppressed in the last 5 min" (rate-limiter.ts). */
  note?: string;
  at: Date;
}

type Block = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  channel?: string;
  blocks: Block[];
  attachments: { color: string; fallback: string; blocks: Block[] }[];
}

export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });

export function slackMessage(event: NotifyEvent, context: SlackMessageContext): SlackMessage {
  const style = slackStyle[event.kind];
  const summary = `[${context.environment}] ${event.service}: ${event.title}`;
  const text = `${style.emoji} ${escapeMrkdwn(summary)}`;
  const details: Block[] = [];
  const body = [event.detail, context.note ? `_${context.note}_` : undefined].filter(Boolean).join('\n');
  if (body) details.push({ type: 'section', text: mrkdwn(escapeMrkdwn(body)) });
  const fields = Object.entries(event.fields ?? {});
  if (fields.length > 0) {
    details.push({
      type: 'section',
      fields: fields.map(([name, value]) =>
        mrkdwn(`*${escapeMrkdwn(name)}*\n${escapeMrkdwn(String(value))}`),
      ),
    });
  }
  details.push({
    type: 'context',
    elements: [
      mrkdwn(
        escapeMrkdwn(
          [style.label, event.service, event.key, context.environment, context.at.toISOString()].join(' · '),
        ),
      ),
    ],
  });
  return {
    text,
    ...(context.channel ? { channel: context.channel } : {}),
    blocks: [{ type: 'section', text: mrkdwn(`${style.emoji} *${escapeMrkdwn(summary)}*`) }],
    attachments: [{ color: style.color, fallback: text, blocks: details }],
  };
}
