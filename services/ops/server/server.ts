/**
 * The ops service's HTTP server: the lag dashboard (`/`, `/assets/`), its data (`/api/state`,
 * `/api/history`, `/api/events`) and the probes and metrics every service has (`/metrics`, `/healthz`,
 * `/readyz`, from lib/observability/ops-server.ts). No framework: a handful of GET routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { type OpsServer, startOpsServer } from '../../../lib/observability/ops-server.ts';
import { type AssetRoots, defaultDashboardRoot, sendFile, serveAsset, uplotRoot } from './assets.ts';
import { EventStream } from './events.ts';
import type { Sampler, SamplerEvent } from './sampler.ts';

export interface DashboardServerOptions {
  sampler: Sampler;
  registry: Registry;
  host: string;
  port: number;
  /** Folder of index.html, dashboard.js and dashboard.css (default: dashboard/ next to this file). */
  dashboardRoot?: string;
  heartbeatMs?: number;
}

/** What `/api/history` answers: the samples plus what a client needs to draw and age them. */
export interface HistoryResponse {
  intervalMs: number;
  capacity: number;
  samples: ReturnType<Sampler['history']>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

/** `since` in epoch milliseconds, absent meaning everything; `ok: false` for anything else. */
export function parseSince(
  request: IncomingMessage,
): { ok: true; since: number | undefined } | { ok: false } {
  const raw = new URL(request.url ?? '/', 'http://localhost').searchParams.get('since');
  if (raw === null || raw === '') return { ok: true, since: undefined };
  const since = Number(raw);
  return Number.isFinite(since) && since >= 0 ? { ok: true, since } : { ok: false };
}

function eventOf(event: SamplerEvent): { event: string; data: unknown } {
  if (event.type === 'sample') return { event: 'sample', data: { sample: event.sample, state: event.state } };
  const { type: _type, ...failure } = event;
  return { event: 'collect-failed', data: failure };
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<OpsServer> {
  const { sampler } = options;
  const dashboardRoot = options.dashboardRoot ?? defaultDashboardRoot;
  const roots: AssetRoots = { default: dashboardRoot, mounts: { uplot: uplotRoot() } };
  const events = new EventStream({ heartbeatMs: options.heartbeatMs });
  const unsubscribe = sampler.subscribe((event) => {
    const { event: name, data } = eventOf(event);
    events.send(name, data);
  });

  const routes = (request: IncomingMessage, response: ServerResponse, path: string): boolean => {
    if (path === '/' || path === '/index.html') {
      void sendFile(response, join(dashboardRoot, 'index.html'), 'text/html; charset=utf-8');
    } else if (path.startsWith('/assets/')) {
      serveAsset(response, path, roots);
    } else if (path === '/api/state') {
      const latest = sampler.latest;
      if (latest) sendJson(response, 200, latest.state);
      else sendJson(response, 503, { error: 'no pipeline state yet', detail: sampler.readiness().detail });
    } else if (path === '/api/history') {
      const since = parseSince(request);
      if (!since.ok) sendJson(response, 400, { error: 'since must be epoch milliseconds' });
      else {
        const body: HistoryResponse = {
          intervalMs: sampler.intervalMs,
          capacity: sampler.capacity,
          samples: sampler.history(since.since),
        };
        sendJson(response, 200, body);
      }
    } else if (path === '/api/events') {
      const latest = sampler.latest;
      events.attach(request, response, latest ? [eventOf({ type: 'sample', ...latest })] : []);
    } else {
      return false;
    }
    return true;
  };

  const server = await startOpsServer({
    registry: options.registry,
    host: options.host,
    port: options.port,
    liveness: () => sampler.liveness(),
    readiness: () => sampler.readiness(),
    routes,
  });
  return {
    port: server.port,
    close: async () => {
      unsubscribe();
      events.close();
      await server.close();
    },
  };
}
