import { describe, expect, it } from 'vitest';
import { AlertRateLimiter, suppressedNote } from '../../lib/notify/rate-limiter.ts';
import type { NotifyEvent, NotifyKind } from '../../lib/notify/types.ts';

const minute = 60_000;
const interval = 5 * minute;

function event(kind: NotifyKind, key = 'marts.build', service = 'marts-builder'): NotifyEvent {
  return { kind, service, key, title: `${kind} of ${key}` };
}

/** Feeds events at the given minutes, returns what was sent (kind and note) in order. */
function run(limiter: AlertRateLimiter, steps: [number, NotifyEvent][]): string[] {
  const sent: string[] = [];
  for (const [minutes, item] of steps) {
    const decision = limiter.decide(item, minutes * minute);
    if (decision.send)
      sent.push(decision.note ? `${decision.event.kind} (${decision.note})` : decision.event.kind);
  }
  return sent;
}

describe('AlertRateLimiter', () => {
  it('sends the first failure, suppresses and counts repeats, and tells the count with the next', () => {
    const limiter = new AlertRateLimiter(interval);
    expect(
      run(limiter, [
        [0, event('failure')],
        [1, event('failure')],
        [2, event('failure')],
        [4, event('failure')],
        [5, event('failure')],
        [6, event('failure')],
      ]),
    ).toEqual(['failure', 'failure (3 more failures suppressed in the last 5 min)']);
  });

  it('always lets a recovery through after a failure was sent, with what was suppressed meanwhile', () => {
    const limiter = new AlertRateLimiter(interval);
    expect(
      run(limiter, [
        [0, event('failure')],
        [0.5, event('failure')],
        [1, event('recovery')],
      ]),
    ).toEqual(['failure', 'recovery (1 more failure suppressed in the last 60 s)']);
  });

  it('sends no recovery or resume when nobody was told of a problem', () => {
    const limiter = new AlertRateLimiter(interval);
    expect(
      run(limiter, [
        [0, event('recovery')],
        [1, event('resume')],
      ]),
    ).toEqual([]);
    // ...including after the recovery that closed the last problem.
    expect(
      run(limiter, [
        [2, event('failure')],
        [3, event('recovery')],
        [4, event('recovery')],
      ]),
    ).toEqual(['failure', 'recovery']);
  });

  it('limits per service and key, independently', () => {
    const limiter = new AlertRateLimiter(interval);
    expect(
      run(limiter, [
        [0, event('pause', 'table:partners', 'replication-reader')],
        [0, event('pause', 'table:missions', 'replication-reader')],
        [0, event('pause', 'table:partners', 'raw-sink')],
        [1, event('pause', 'table:partners', 'replication-reader')],
        [2, event('resume', 'table:missions', 'replication-reader')],
      ]),
    ).toEqual(['pause', 'pause', 'pause', 'resume']);
  });

  it('holds a failure that follows a recovery within the interval, and hands it over later', () => {
    const limiter = new AlertRateLimiter(interval);
    expect(
      run(limiter, [
        [0, event('failure')],
        [1, event('recovery')],
        [2, event('failure')],
      ]),
    ).toEqual(['failure', 'recovery']);
    // People believe it is fine while it is broken again: the held failure must reach them.
    expect(limiter.nextDueAt()).toBe(6 * minute);
    expect(limiter.due(5 * minute)).toEqual([]);
    const due = limiter.due(6 * minute);
    expect(due.map((item) => item.event.kind)).toEqual(['failure']);
    expect(due[0]?.note).toBeUndefined(); // the held failure itself is not "more"
    expect(limiter.nextDueAt()).toBeUndefined();
    // And it counts as sent: its recovery goes through.
    expect(run(limiter, [[7, event('recovery')]])).toEqual(['recovery']);
  });

  it('drops a held failure when it recovered before anyone was told, and counts both', () => {
    const limiter = new AlertRateLimiter(interval);
    run(limiter, [
      [0, event('failure')],
      [1, event('recovery')],
      [2, event('failure')],
      [3, event('recovery')],
    ]);
    expect(limiter.nextDueAt()).toBeUndefined();
    expect(limiter.due(10 * minute)).toEqual([]);
    expect(run(limiter, [[20, event('failure')]])).toEqual([
      'failure (1 more failure and 1 more recovery suppressed in the last 19 min)',
    ]);
  });

  it('reminds people of a lasting failure once per interval', () => {
    const limiter = new AlertRateLimiter(interval);
    const steps: [number, NotifyEvent][] = [];
    for (let minutes = 0; minutes <= 20; minutes++) steps.push([minutes, event('failure')]);
    expect(run(limiter, steps)).toHaveLength(5); // minutes 0, 5, 10, 15, 20
  });

  it('rate-limits info without touching the problem state', () => {
    const limiter = new AlertRateLimiter(interval);
    expect(
      run(limiter, [
        [0, event('info')],
        [1, event('info')],
        [2, event('recovery')],
      ]),
    ).toEqual(['info']);
  });
});

describe('suppressedNote', () => {
  it('says nothing when nothing was suppressed, and pluralises', () => {
    expect(suppressedNote(new Map(), minute)).toBeUndefined();
    expect(suppressedNote(new Map([['failure', 0]]), minute)).toBeUndefined();
    expect(
      suppressedNote(
        new Map<NotifyKind, number>([
          ['failure', 2],
          ['pause', 1],
          ['info', 3],
        ]),
        2 * 3600_000,
      ),
    ).toBe('2 more failures, 1 more pause and 3 more messages suppressed in the last 2 h');
  });
});
