import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpsServer, startOpsServer } from '../../lib/observability/ops-server.ts';

describe('ops server', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves metrics, liveness and readiness, with 503 when a probe fails', async () => {
    const registry = new Registry();
    const changes = new Counter({ name: 'test_changes_total', help: 'changes', registers: [registry] });
    changes.inc(3);
    let ready = false;
    server = await startOpsServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      liveness: () => ({ ok: true, detail: 'alive' }),
      readiness: () => ({ ok: ready, detail: ready ? 'streaming' : 'waiting for the lease' }),
    });
    const base = `http://127.0.0.1:${server.port}`;
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('test_changes_total 3');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'unavailable', detail: 'waiting for the lease' });
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
