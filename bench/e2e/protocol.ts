/** Messages between the e2e scenario and its reader and sink processes (Node's IPC channel, JSON). */
import type { LatencySummary } from './latency.ts';

export type ToChild = { type: 'stop' } | { type: 'reset' } | { type: 'summary' };

export type FromReader = { type: 'streaming' } | { type: 'stopped'; events: number; maxRssBytes: number };

export type FromSink =
  | { type: 'ready' }
  /** Every 100 ms: changes applied since start, for the backlog. */
  | { type: 'progress'; applied: number }
  | { type: 'reset-done' }
  | ({ type: 'summary' } & LatencySummary)
  | { type: 'stopped'; applied: number; maxRssBytes: number };

/** To the parent, when it is still there; `then` runs once the message is handed over (or at once). */
export function sendToParent(message: FromReader | FromSink, then: () => void = () => undefined): void {
  if (process.connected && process.send) process.send(message, () => then());
  else then();
}
