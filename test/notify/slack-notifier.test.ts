/**
 * The Slack notifier against a real HTTP server on 127.0.0.1 standing in for the incoming webhook: what it
 * posts, how it retries (429 with Retry-After, 5xx a bounded number of times, a server that never answers),
 * that deliveries stay in order, and that the webhook URL (the credential) never reaches the logs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/index.ts';
import { SlackNotifier, type SlackNotifierOptions } from '../../lib/notify/slack-notifier.ts';
import type { NotifyEvent } from '../../lib/notify/types.ts';
import { retryAfterMs } from '../../lib/notify/webhook.ts';

const secretPath = '/services/T0000/B0000/XsecretTOKENx';

type Responder = (request: IncomingMessage, response: ServerResponse) => void;

interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

const ok: Responder = (_request, response) => response.writeHead(200).end('ok');
const hang: Responder = () => undefined;

let server: Server;
let baseUrl: string;
let received: Received[] = [];
let responders: Responder[] = [];
let logLines: string[] = [];
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        at: Date.now(),
      });
      open.add(response);
      response.on('close', () => open.delete(response));
      (responders.shift() ?? ok)(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  responders = [];
  logLines = [];
});

afterEach(() => {
  for (const response of open) response.destroy();
});

function notifier(overrides: Partial<SlackNotifierOptions> = {}): SlackNotifier {
  const logger = createLogger({
    service: 'notify-test',
    level: 'trace',
    destination: new Writable({
      write(chunk, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  });
  return new SlackNotifier({
    webhookUrl: `${baseUrl}${secretPath}`,
    environment: 'test',
    minIntervalMs: 300_000,
    logger,
    retry: { attempts: 3, timeoutMs: 2_000, initialDelayMs: 50, maxDelayMs: 200, budgetMs: 10_000 },
    ...overrides,
  });
}

const failure: NotifyEvent = {
  kind: 'failure',
  service: 'marts-builder',
  key: 'marts.build',
  title: 'marts build failed 3 times in a row',
  detail: 'model.cdc.fct_partners: relation "analytics_raw.partners" does not exist',
  fields: { failing: 'model.cdc.fct_partners', 'consecutive failures': 3 },
};

const recovery: NotifyEvent = { ...failure, kind: 'recovery', title: 'marts build succeeded again' };

const warnings = () =>
  logLines.map((line) => JSON.parse(line)).filter((entry: { level: number }) => entry.level === 40);

describe('SlackNotifier', () => {
  it('posts JSON with a text, Block Kit blocks and the colour of the kind', async () => {
    const slack = notifier({ channel: '#data-alerts' });
    slack.notify(failure);
    await slack.close();
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.path).toBe(secretPath);
    expect(request?.contentType).toBe('application/json');
    expect(request?.body).toMatchObject({
      text: ':rotating_light: [test] marts-builder: marts build failed 3 times in a row',
      channel: '#data-alerts',
      blocks: [{ type: 'section' }],
      attachments: [{ color: '#d92d20' }],
    });
    const details = JSON.stringify(request?.body.attachments);
    expect(details).toContain('model.cdc.fct_partners');
    expect(details).toContain('*consecutive failures*\\n3');
    expect(warnings()).toEqual([]);
  });

  it('returns at once and never throws, even while the webhook hangs', async () => {
    responders = [hang, hang, hang];
    const slack = notifier({
      retry: { attempts: 1, timeoutMs: 500, initialDelayMs: 10, maxDelayMs: 10, budgetMs: 1_000 },
    });
    const started = performance.now();
    try {
      slack.notify(failure);
      slack.notify({ kind: 'info', service: 'x', key: 'y', title: 'z', fields: { odd: Number.NaN } });
      slack.notify(null as unknown as NotifyEvent);
      // Well below the request timeout (500 ms) that waiting on the hanging webhook would take, with room for
      // a loaded machine (a tighter bound failed while other suites ran).
      expect(performance.now() - started).toBeLessThan(400);
    } finally {
      // Even after a failed expectation: a notifier left running would post into the next test.
      await slack.close(2_000);
    }
  });

  it('retries a 429 after its Retry-After, then delivers', async () => {
    responders = [
      (_request, response) => response.writeHead(429, { 'retry-after': '1' }).end('rate_limited'),
      ok,
    ];
    const slack = notifier();
    slack.notify(failure);
    await slack.close(5_000);
    expect(received).toHaveLength(2);
    const waited = (received[1]?.at ?? 0) - (received[0]?.at ?? 0);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(received[1]?.body).toEqual(received[0]?.body);
    expect(warnings()).toEqual([]);
  });

  it('retries a 500 a bounded number of times, then gives up with a warning', async () => {
    const serverError: Responder = (_request, response) => response.writeHead(500).end('internal');
    responders = [serverError, serverError, serverError, serverError, serverError];
    const slack = notifier();
    slack.notify(failure);
    await slack.close(5_000);
    expect(received).toHaveLength(3);
    expect(warnings()).toMatchObject([
      { msg: 'notification not delivered to Slack', status: 500, attempts: 3, alertKey: 'marts.build' },
    ]);
  });

  it('does not retry a 4xx answer other than 429', async () => {
    responders = [(_request, response) => response.writeHead(404).end('no_service')];
    const slack = notifier();
    slack.notify(failure);
    await slack.close(5_000);
    expect(received).toHaveLength(1);
    expect(warnings()).toMatchObject([{ status: 404, reason: 'HTTP 404 no_service', attempts: 1 }]);
  });

  it('gives up on a server that never answers, within the attempt timeout and the budget', async () => {
    responders = [hang, hang, hang];
    const slack = notifier({
      retry: { attempts: 3, timeoutMs: 300, initialDelayMs: 50, maxDelayMs: 50, budgetMs: 1_000 },
    });
    const started = Date.now();
    slack.notify(failure);
    await slack.close(5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(received).toHaveLength(3);
    // The last attempt gets what is left of the 1 s budget, not the full 300 ms.
    expect(warnings()).toMatchObject([
      { reason: expect.stringMatching(/^timed out after \d+ ms$/), attempts: 3 },
    ]);
  });

  it('stops retrying when the next attempt would exceed the budget', async () => {
    responders = [(_request, response) => response.writeHead(429, { 'retry-after': '60' }).end()];
    const slack = notifier();
    const started = Date.now();
    slack.notify(failure);
    await slack.close(5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(received).toHaveLength(1);
    expect(warnings()[0]?.reason).toMatch(/HTTP 429.*budget/);
  });

  it('delivers in order: a recovery never overtakes the failure it clears', async () => {
    responders = [(_request, response) => response.writeHead(429, { 'retry-after': '1' }).end(), ok, ok];
    const slack = notifier();
    slack.notify(failure);
    slack.notify(recovery);
    await slack.close(5_000);
    expect(received.map((request) => (request.body.text as string).split(' ')[0])).toEqual([
      ':rotating_light:',
      ':rotating_light:',
      ':white_check_mark:',
    ]);
  });

  it('rate-limits per key and tells how many were suppressed with the recovery', async () => {
    let now = Date.parse('2026-10-01T12:00:00Z');
    const slack = notifier({ now: () => now });
    slack.notify(failure);
    now += 60_000;
    slack.notify(failure);
    now += 60_000;
    slack.notify(failure);
    slack.notify({ ...failure, key: 'marts.other' });
    now += 60_000;
    slack.notify(recovery);
    await slack.close(5_000);
    expect(received).toHaveLength(3);
    expect(JSON.stringify(received[2]?.body)).toContain('2 more failures suppressed in the last 3 min');
  });

  it('sends a failure held back after a recovery once the interval has passed', async () => {
    const slack = notifier({ minIntervalMs: 400 });
    slack.notify(failure);
    slack.notify(recovery);
    slack.notify(failure); // broken again right after the recovery: held, not forgotten
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(received).toHaveLength(2);
    const deadline = Date.now() + 3_000;
    while (received.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await slack.close(2_000);
    expect(received.map((request) => (request.body.text as string).split(' ')[0])).toEqual([
      ':rotating_light:',
      ':white_check_mark:',
      ':rotating_light:',
    ]);
  });

  it('never writes the webhook URL to the logs, whatever goes wrong', async () => {
    const serverError: Responder = (_request, response) =>
      response.writeHead(500).end(`failed ${secretPath}`);
    responders = [serverError, serverError, serverError, hang, hang, hang];
    const slack = notifier({
      retry: { attempts: 3, timeoutMs: 200, initialDelayMs: 10, maxDelayMs: 10, budgetMs: 2_000 },
    });
    slack.notify(failure);
    slack.notify({ ...failure, key: 'other' });
    await slack.close(5_000);
    // A refused connection: nothing listens on the closed server's port.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = notifier({ webhookUrl: `http://127.0.0.1:${port}${secretPath}` });
    refused.notify(failure);
    await refused.close(5_000);

    expect(warnings()).toHaveLength(3);
    expect(warnings()[2]).toMatchObject({ reason: 'network error (ECONNREFUSED)' });
    const logs = logLines.join('');
    expect(logs).not.toContain('XsecretTOKENx');
    expect(logs).not.toContain('/services/');
  });

  it('drops what does not fit the queue instead of holding memory', async () => {
    responders = [hang];
    const slack = notifier({
      maxQueued: 1,
      retry: { attempts: 1, timeoutMs: 300, initialDelayMs: 10, maxDelayMs: 10, budgetMs: 1_000 },
    });
    for (let index = 0; index < 5; index++) slack.notify({ ...failure, key: `key-${index}` });
    await slack.close(5_000);
    expect(received).toHaveLength(2); // the one in flight and the one queued
    expect(warnings().filter((entry: { msg: string }) => entry.msg.includes('queue full'))).toHaveLength(3);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-10-01T12:00:00Z');
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 01 Oct 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
