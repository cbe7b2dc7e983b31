/**
 * The real Sentry SDK, initialised by initSentry with a DSN pointing at a local HTTP server: whatever the
 * pipeline reports, the envelopes that leave the process carry the code, the table and the pipeline context,
 * and no row value (the error message, a cause, a breadcrumb, an extra and the scope all held one).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../lib/errors/index.ts';
import { flushSentry, initSentry, reportError } from '../../lib/runtime/sentry.ts';

const secret = 'row-value-4f1d@example.org';
let server: Server;
const bodies: string[] = [];
const paths: string[] = [];

/** The event items of the envelopes received (envelope header line, then item header and payload lines). */
function events(): Record<string, unknown>[] {
  return bodies.flatMap((body) => {
    const lines = body.split('\n').filter(Boolean);
    const found: Record<string, unknown>[] = [];
    for (let index = 1; index < lines.length - 1; index++) {
      const header = JSON.parse(lines[index] as string) as { type?: string };
      if (header.type === 'event') found.push(JSON.parse(lines[index + 1] as string));
    }
    return found;
  });
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      bodies.push((request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
      paths.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  initSentry({
    dsn: `http://public@127.0.0.1:${port}/1`,
    environment: 'test',
    service: 'raw-sink',
    tracesSampleRate: 0,
  });
});

afterAll(async () => {
  await Sentry.close(2_000);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('Sentry through a local DSN endpoint', () => {
  it('sends the code, table and pipeline context of a dead-letter error, and no row value', async () => {
    Sentry.addBreadcrumb({ category: 'apply', message: 'batch applied', data: { row: { email: secret } } });
    Sentry.setExtra('row', { email: secret });
    Sentry.setContext('row', { email: secret });
    console.log(`about to apply ${secret}`); // a console breadcrumb
    const pgError = Object.assign(new Error(`duplicate key value: Key (email)=(${secret}) already exists`), {
      code: '23505',
      detail: `Key (email)=(${secret}) already exists.`,
    });
    const error = new PipelineError(
      'CONSTRAINT_VIOLATION',
      `analytics_raw.partners rejected the row (SQLSTATE 23505): ${pgError.message}`,
      { cause: pgError, details: { sqlState: '23505', table: 'partners' } },
    );
    reportError(error, { topic: 'core.public.partners', partition: 1, offset: 4711 });
    await flushSentry(5_000);

    expect(paths.some((path) => path.startsWith('/api/1/envelope/'))).toBe(true);
    const all = bodies.join('\n');
    expect(all).not.toContain(secret);
    const [event] = events() as {
      exception?: { values?: { type: string; value: string }[] };
      tags?: Record<string, unknown>;
      contexts?: Record<string, unknown>;
      breadcrumbs?: { category?: string; data?: unknown }[];
      extra?: unknown;
    }[];
    expect(event?.tags).toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      service: 'raw-sink',
      topic: 'core.public.partners',
    });
    expect(event?.contexts?.pipeline).toEqual({
      service: 'raw-sink',
      table: 'partners',
      topic: 'core.public.partners',
      partition: 1,
      offset: 4711,
    });
    expect(event?.contexts).not.toHaveProperty('row');
    expect(event?.extra).toBeUndefined();
    expect(event?.exception?.values?.length).toBeGreaterThanOrEqual(2); // the cause chain is still there
    for (const value of event?.exception?.values ?? []) {
      expect(value.value).toBe(
        'CONSTRAINT_VIOLATION on table partners (message withheld: it may quote row values)',
      );
    }
    expect(event?.breadcrumbs?.some((breadcrumb) => breadcrumb.category === 'console')).toBe(false);
    expect(event?.breadcrumbs?.every((breadcrumb) => breadcrumb.data === undefined)).toBe(true);
  });

  it('keeps the message of an operational error, truncated', async () => {
    bodies.length = 0;
    reportError(new PipelineError('REGISTRY_UNAVAILABLE', `registry down ${'z'.repeat(2_000)}`), {
      service: 'replication-reader',
    });
    await flushSentry(5_000);
    const [event] = events() as { exception?: { values?: { value: string }[] } }[];
    const value = event?.exception?.values?.at(-1)?.value ?? '';
    expect(value.startsWith('registry down')).toBe(true);
    expect(value.length).toBe(500);
  });
});
