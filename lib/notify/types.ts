/**
 * Alerts to people: one small interface, fire-and-forget. A notification says what happened to what (a
 * service, a key such as `marts.build` or `table:partners`) in words and identifiers only.
 *
 * Callers pass codes, table and model names, counts, durations: never a row, a column value, a key value or
 * a message that may quote one (use `disclosableMessage` from lib/errors/disclosure.ts for an error). Every
 * string is scrubbed on the way out (scrub.ts) as a second line of defence, not the first.
 */

export type NotifyKind = 'failure' | 'pause' | 'recovery' | 'resume' | 'info';

export interface NotifyEvent {
  kind: NotifyKind;
  /** The service that notifies, e.g. `marts-builder`. */
  service: string;
  /** What the notification is about, stable across notifications: `marts.build`, `table:partners`. */
  key: string;
  title: string;
  /** A short explanation and what to do; truncated to about 500 characters. */
  detail?: string;
  /** Identifiers and counts shown as fields: `{ table: 'partners', failures: 3 }`. */
  fields?: Record<string, string | number>;
}

export interface Notifier {
  /** Never throws, never waits: delivery happens in the background (bounded retries, bounded time). */
  notify(event: NotifyEvent): void;
  /** Stops accepting, waits for queued deliveries up to `timeoutMs`, then abandons the rest. */
  close(timeoutMs?: number): Promise<void>;
}

/** Kinds that say "something is wrong" and kinds that say "it is fine again". */
export const problemKinds: ReadonlySet<NotifyKind> = new Set(['failure', 'pause']);
export const clearingKinds: ReadonlySet<NotifyKind> = new Set(['recovery', 'resume']);
