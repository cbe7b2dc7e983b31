/**
 * Which notifications reach people: at most one per (service, key) per interval, without ever leaving them
 * with a wrong picture. Pure: the caller passes the time.
 *
 * - A failure or pause within the interval of the last message for its key is suppressed and counted; the
 *   next message for that key says how many ("3 more failures suppressed in the last 5 min").
 * - A recovery or resume goes through at once whenever a failure or pause was sent for its key (the key is
 *   "open"); when none was, nobody was told, and nothing is sent.
 * - A failure suppressed while people believe the key is fine (it flapped right after a recovery) is kept
 *   pending: `due()` hands it over once the interval has passed, unless a recovery cleared it meanwhile.
 */
import { clearingKinds, type NotifyEvent, type NotifyKind, problemKinds } from './types.ts';

export type RateDecision = { send: true; event: NotifyEvent; note?: string } | { send: false };

export interface DueNotification {
  event: NotifyEvent;
  note?: string;
}

interface KeyState {
  lastSentAt: number;
  /** The last problem sent was not followed by a recovery sent: people believe it is broken. */
  open: boolean;
  suppressed: Map<NotifyKind, number>;
  pending: NotifyEvent | undefined;
}

const plurals: Record<NotifyKind, [string, string]> = {
  failure: ['failure', 'failures'],
  pause: ['pause', 'pauses'],
  recovery: ['recovery', 'recoveries'],
  resume: ['resume', 'resumes'],
  info: ['message', 'messages'],
};

export function formatPeriod(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}

/** "3 more failures and 1 more pause suppressed in the last 5 min", or undefined when nothing was. */
export function suppressedNote(
  counts: ReadonlyMap<NotifyKind, number>,
  periodMs: number,
): string | undefined {
  const parts = [...counts.entries()]
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} more ${plurals[kind][count === 1 ? 0 : 1]}`);
  if (parts.length === 0) return undefined;
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `${list} suppressed in the last ${formatPeriod(periodMs)}`;
}

export class AlertRateLimiter {
  private readonly states = new Map<string, KeyState>();

  constructor(private readonly minIntervalMs: number) {}

  decide(event: NotifyEvent, now: number): RateDecision {
    const id = `${event.service}\u0000${event.key}`;
    const state = this.states.get(id);
    if (clearingKinds.has(event.kind)) {
      if (state?.open) return this.sent(id, state, event, now);
      if (state?.pending) {
        // Broken and healed again before anyone was told: both stay untold, and counted.
        state.pending = undefined;
        this.count(state, event.kind);
      }
      return { send: false };
    }
    if (!state || now - state.lastSentAt >= this.minIntervalMs) return this.sent(id, state, event, now);
    this.count(state, event.kind);
    if (problemKinds.has(event.kind) && !state.open) state.pending = event;
    return { send: false };
  }

  /** Pending problems whose interval has passed: they are sent now (and counted as sent). */
  due(now: number): DueNotification[] {
    const due: DueNotification[] = [];
    for (const [id, state] of this.states) {
      if (state.pending && now - state.lastSentAt >= this.minIntervalMs) {
        const event = state.pending;
        state.suppressed.set(event.kind, (state.suppressed.get(event.kind) ?? 1) - 1);
        const decision = this.sent(id, state, event, now);
        if (decision.send) due.push({ event: decision.event, note: decision.note });
      } else if (
        !state.open &&
        !state.pending &&
        [...state.suppressed.values()].every((count) => count === 0) &&
        now - state.lastSentAt >= this.minIntervalMs
      ) {
        this.states.delete(id); // nothing left to say about this key
      }
    }
    return due;
  }

  /** When `due()` next has something to hand over, if anything is pending. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const state of this.states.values()) {
      if (!state.pending) continue;
      const at = state.lastSentAt + this.minIntervalMs;
      next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  private count(state: KeyState, kind: NotifyKind): void {
    state.suppressed.set(kind, (state.suppressed.get(kind) ?? 0) + 1);
  }

  private sent(id: string, state: KeyState | undefined, event: NotifyEvent, now: number): RateDecision {
    const note = state ? suppressedNote(state.suppressed, now - state.lastSentAt) : undefined;
    const open = problemKinds.has(event.kind)
      ? true
      : clearingKinds.has(event.kind)
        ? false
        : (state?.open ?? false);
    this.states.set(id, { lastSentAt: now, open, suppressed: new Map(), pending: undefined });
    return note ? { send: true, event, note } : { send: true, event };
  }
}
