/** The pure parts of a notification: scrubbing and the Slack message. */
import { describe, expect, it } from 'vitest';
import { scrubEvent, scrubLimits, scrubText } from '../../lib/notify/scrub.ts';
import { escapeMrkdwn, slackMessage } from '../../lib/notify/slack-message.ts';

describe('scrubText', () => {
  it("drops PostgreSQL's DETAIL lines, where it quotes values", () => {
    const dbt = [
      'Database Error in model fct_partners (models/fct_partners.sql)',
      '  duplicate key value violates unique constraint "fct_partners_pkey"',
      '  DETAIL:  Key (email)=(someone@example.org) already exists.',
      '  compiled code at target/run/fct_partners.sql',
    ].join('\n');
    const scrubbed = scrubText(dbt);
    expect(scrubbed).toContain('fct_partners_pkey');
    expect(scrubbed).toContain('compiled code');
    expect(scrubbed).not.toContain('someone@example.org');
  });

  it('masks credentials in URLs and removes control characters', () => {
    expect(scrubText('cannot reach postgres://sink:s3cret@db:5432/analytics\u0007')).toBe(
      'cannot reach postgres://[redacted]@db:5432/analytics',
    );
  });

  it('truncates to about 500 characters', () => {
    const scrubbed = scrubText('x'.repeat(2_000));
    expect(scrubbed.length).toBe(scrubLimits.detail);
    expect(scrubbed.endsWith('…')).toBe(true);
  });
});

describe('scrubEvent', () => {
  it('bounds every string and keeps at most ten finite fields', () => {
    const fields: Record<string, string | number> = { infinite: Number.POSITIVE_INFINITY };
    for (let index = 0; index < 15; index++) fields[`field${index}`] = index;
    const event = scrubEvent({
      kind: 'failure',
      service: 'raw-sink',
      key: 'table:partners',
      title: 't'.repeat(400),
      detail: 'd'.repeat(4_000),
      fields,
    });
    expect(event.title.length).toBe(scrubLimits.title);
    expect(event.detail?.length).toBe(scrubLimits.detail);
    expect(Object.keys(event.fields ?? {})).toHaveLength(10);
    expect(event.fields).not.toHaveProperty('infinite');
  });

  it('keeps only the known properties of an event', () => {
    const event = scrubEvent({
      kind: 'info',
      service: 's',
      key: 'k',
      title: 't',
      row: { email: 'someone@example.org' },
    } as never);
    expect(JSON.stringify(event)).not.toContain('someone@example.org');
  });
});

describe('slackMessage', () => {
  const at = new Date('2026-10-01T12:00:00Z');

  it('has a text, Block Kit blocks and a colour by kind', () => {
    const message = slackMessage(
      {
        kind: 'pause',
        service: 'replication-reader',
        key: 'table:partners',
        title: 'table partners paused',
        detail: 'accept the schema',
        fields: { table: 'partners', failures: 3 },
      },
      {
        environment: 'production',
        channel: '#data-alerts',
        note: '2 more pauses suppressed in the last 5 min',
        at,
      },
    );
    expect(message.text).toBe(':double_vertical_bar: [production] replication-reader: table partners paused');
    expect(message.channel).toBe('#data-alerts');
    expect(message.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    const [attachment] = message.attachments;
    expect(attachment?.color).toBe('#f79009');
    expect(attachment?.blocks.map((block) => block.type)).toEqual(['section', 'section', 'context']);
    expect(JSON.stringify(attachment?.blocks[0])).toContain('_2 more pauses suppressed in the last 5 min_');
    expect(attachment?.blocks[1]).toMatchObject({
      fields: [
        { type: 'mrkdwn', text: '*table*\npartners' },
        { type: 'mrkdwn', text: '*failures*\n3' },
      ],
    });
    expect(JSON.stringify(attachment?.blocks[2])).toContain('2026-10-01T12:00:00.000Z');
  });

  it('escapes markup, so a message can never ping a channel', () => {
    expect(escapeMrkdwn('<!channel> & <@U123>')).toBe('&lt;!channel&gt; &amp; &lt;@U123&gt;');
    const message = slackMessage(
      { kind: 'failure', service: 'raw-sink', key: 'k', title: '<!channel> broke' },
      { environment: 'test', at },
    );
    expect(JSON.stringify(message)).not.toContain('<!channel>');
    expect(message).not.toHaveProperty('channel');
    expect(message.attachments[0]?.color).toBe('#d92d20');
    expect(message.text.startsWith(':rotating_light:')).toBe(true);
  });
});
