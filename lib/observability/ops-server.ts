/**
 * The operations endpoints every service exposes: `/metrics` (Prometheus text), `/healthz` (the process is
 * alive and its loop is not wedged: restart me if not) and `/readyz` (I am doing my job: streaming, holding
 * the lease; take me out of rotation if not). Readiness is dropped first on shutdown.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Probe {
  ok: boolean;
  detail: string;
}

export interface OpsServerOptions {
  registry: Registry;
  host: string;
  port: number;
  liveness: () => Probe;
  readiness: () => Probe;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

function respond(response: import('node:http').ServerResponse, probe: Probe): void {
  response.writeHead(probe.ok ? 200 : 503, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ status: probe.ok ? 'ok' : 'unavailable', detail: probe.detail }));
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((body) => {
          response.writeHead(200, { 'content-type': options.registry.contentType });
          response.end(body);
        })
        .catch((error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(`metrics unavailable: ${(error as Error).message}`);
        });
      return;
    }
    if (path === '/healthz') return respond(response, options.liveness());
    if (path === '/readyz') return respond(response, options.readiness());
    response
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('not found: try /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
