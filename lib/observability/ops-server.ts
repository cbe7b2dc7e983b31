/**
 * The operations endpoints every service exposes: `/metrics` (Prometheus text), `/healthz` (the process is
 * alive and its loop is not wedged: restart me if not) and `/readyz` (I am doing my job: streaming, holding
 * the lease; take me out of rotation if not). Readiness is dropped first on shutdown.
 * A service with more to serve (the ops service's dashboard) adds its own GET routes next to these.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  /**
   * Extra GET routes, tried after the probes and before the 404: returns false when it does not serve `path`
   * (the URL's path, without the query string).
   */
  routes?: (request: IncomingMessage, response: ServerResponse, path: string) => boolean;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

function respond(response: ServerResponse, probe: Probe): void {
  response.writeHead(probe.ok ? 200 : 503, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ status: probe.ok ? 'ok' : 'unavailable', detail: probe.detail }));
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
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
    if (options.routes?.(request, response, path)) return;
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
