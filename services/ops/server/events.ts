/**
 * Server-Sent Events to the open dashboards: each new sample is pushed as it is taken, a comment line keeps
 * idle connections (and the proxies in between) from timing out, and a client is forgotten as soon as its
 * connection closes. A client that stops reading is dropped rather than buffered for without bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const defaultHeartbeatMs = 15_000;
/** Unsent bytes after which a client that does not read is disconnected (it reconnects and catches up). */
const maxBufferedBytes = 1024 * 1024;

export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #heartbeatMs: number;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: { heartbeatMs?: number } = {}) {
    this.#heartbeatMs = options.heartbeatMs ?? defaultHeartbeatMs;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Takes over the response; `initial` events go to this client only, before any broadcast. */
  attach(
    request: IncomingMessage,
    response: ServerResponse,
    initial: { event: string; data: unknown }[],
  ): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(': connected\n\n');
    for (const { event, data } of initial) response.write(formatEvent(event, data));
    this.#clients.add(response);
    request.socket.setKeepAlive(true);
    const forget = () => this.#forget(response);
    request.once('close', forget);
    response.once('close', forget);
    this.#heartbeat ??= setInterval(() => this.#broadcastRaw(': heartbeat\n\n'), this.#heartbeatMs);
  }

  send(event: string, data: unknown): void {
    this.#broadcastRaw(formatEvent(event, data));
  }

  close(): void {
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  #broadcastRaw(chunk: string): void {
    for (const client of this.#clients) {
      if (client.writableLength > maxBufferedBytes) {
        client.destroy();
        this.#forget(client);
      } else {
        client.write(chunk);
      }
    }
  }

  #forget(client: ServerResponse): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

/** One SSE frame; JSON has no raw newlines, so a single `data:` line is enough. */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
