import { request } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logging/index.ts';
import type { OpsServer } from '../../../lib/observability/ops-server.ts';
import type { PipelineState } from '../../../services/ops/pipeline-state/state.ts';
import { lookupAsset } from '../../../services/ops/server/assets.ts';
import { OpsMetrics } from '../../../services/ops/server/metrics.ts';
import { Sampler } from '../../../services/ops/server/sampler.ts';
import { type HistoryResponse, startDashboardServer } from '../../../services/ops/server/server.ts';
import { scriptedSource } from './fixtures.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A GET with the path sent as written: fetch() would normalise `..` and `%2e%2e` away before sending. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Reads an event stream until `text` has arrived; returns everything read. */
async function readUntil(
  stream: ReadableStream<Uint8Array>,
  text: string,
  timeoutMs = 5_000,
): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let received = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!received.includes(text)) {
      const timeLeft = deadline - Date.now();
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no "${text}" in: ${received}`)), timeLeft),
        ),
      ]);
      if (chunk.done) throw new Error(`stream ended before "${text}": ${received}`);
      received += decoder.decode(chunk.value, { stream: true });
    }
    return received;
  } finally {
    reader.releaseLock();
  }
}

describe('ops server', () => {
  let server: OpsServer | undefined;
  let sampler: Sampler | undefined;
  afterEach(async () => {
    await sampler?.stop();
    await server?.close();
    server = undefined;
    sampler = undefined;
  });

  async function start() {
    const registry = new Registry();
    const metrics = new OpsMetrics({ registry });
    sampler = new Sampler({ source: scriptedSource({ live: true }), logger, intervalMs: 60_000 });
    sampler.subscribe((event) => {
      if (event.type === 'sample') metrics.update(event.state);
    });
    server = await startDashboardServer({
      sampler,
      registry,
      host: '127.0.0.1',
      port: 0,
      heartbeatMs: 50,
    });
    return { sampler, base: `http://127.0.0.1:${server.port}` };
  }

  it('answers 503 before the first sample, then serves the state, the history, the events and the metrics', async () => {
    const { sampler, base } = await start();
    const early = await fetch(`${base}/api/state`);
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({ error: 'no pipeline state yet' });
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    expect(await (await fetch(`${base}/api/history`)).json()).toEqual({
      intervalMs: 60_000,
      capacity: 720,
      samples: [],
    });

    const abort = new AbortController();
    const events = await fetch(`${base}/api/events`, { signal: abort.signal });
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    if (!events.body) throw new Error('no body');
    sampler.start(); // the first collect happens at once
    const received = await readUntil(events.body, ': heartbeat');
    const frame = received.split('\n\n').find((block) => block.startsWith('event: sample'));
    const payload = JSON.parse(frame?.split('\ndata: ')[1] ?? 'null');
    expect(payload.sample.lagMessagesTotal).toBe(1_234);
    expect(payload.state.consumers[0].groupId).toBe('cdc-raw-sink');
    abort.abort();

    const state = await fetch(`${base}/api/state`);
    expect(state.status).toBe(200);
    expect(((await state.json()) as PipelineState).at).toBe(payload.state.at);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const history = (await (await fetch(`${base}/api/history`)).json()) as HistoryResponse;
    expect(history.samples).toHaveLength(1);
    expect(history.samples[0]?.t).toBe(payload.sample.t);
    const none = (await (
      await fetch(`${base}/api/history?since=${payload.sample.t}`)
    ).json()) as HistoryResponse;
    expect(none.samples).toEqual([]);
    expect((await fetch(`${base}/api/history?since=yesterday`)).status).toBe(400);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(
      'cdc_ops_consumer_lag_messages{group="cdc-raw-sink",topic="core.public.clicks",partition="0"} 1000',
    );
    expect(metrics).toContain('cdc_ops_source_up{source="kafka"} 1');
  });

  it('sends a late subscriber the latest sample as soon as it connects', async () => {
    const { sampler, base } = await start();
    await sampler.sampleOnce();
    const abort = new AbortController();
    const events = await fetch(`${base}/api/events`, { signal: abort.signal });
    if (!events.body) throw new Error('no body');
    expect(await readUntil(events.body, 'event: sample')).toContain(': connected');
    abort.abort();
  });

  it('serves the page and its assets, and nothing outside their folders', async () => {
    const { base } = await start();
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('data-testid="overall-level"');
    const script = await fetch(`${base}/assets/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/assets/uplot/uPlot.esm.js`)).status).toBe(200);
    expect((await fetch(`${base}/assets/uplot/uPlot.min.css`)).headers.get('content-type')).toMatch(
      /^text\/css/,
    );
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);

    const port = server?.port ?? 0;
    for (const path of [
      '/assets/../server.ts',
      '/assets/../../../../package.json',
      '/assets/%2e%2e/sampler.ts',
      '/assets/%2e%2e%2fsampler.ts',
      '/assets/..%5csampler.ts',
      '/assets/uplot/../../package.json',
      '/assets/uplot/%2e%2e/package.json',
      '/assets/%2fetc%2fpasswd',
      '/assets//etc/passwd',
      '/assets/constructor/x.js',
      '/assets/dashboard.js%00.css',
    ]) {
      const response = await rawGet(port, path);
      expect([400, 404], path).toContain(response.status);
      expect(response.body, path).not.toMatch(/import|root:/);
    }
    expect((await rawGet(port, '/assets/%E0%A4%A')).status).toBe(400);
  });
});

describe('asset lookup', () => {
  const roots = { default: '/srv/dashboard', mounts: { uplot: '/srv/node_modules/uplot/dist' } };

  it('maps /assets/ paths into their root', () => {
    expect(lookupAsset('/assets/dashboard.css', roots)).toEqual({
      ok: true,
      file: '/srv/dashboard/dashboard.css',
      contentType: 'text/css; charset=utf-8',
    });
    expect(lookupAsset('/assets/uplot/uPlot.esm.js', roots)).toMatchObject({
      ok: true,
      file: '/srv/node_modules/uplot/dist/uPlot.esm.js',
    });
  });

  it('refuses traversal, dot files and unknown types', () => {
    for (const path of [
      '/assets/../x.js',
      '/assets/uplot/../../x.js',
      '/assets/.env',
      '/assets/x.ts',
      '/assets/',
    ]) {
      expect(lookupAsset(path, roots).ok, path).toBe(false);
    }
  });
});
