import { describe, expect, it } from 'vitest';
import { describeTarget, parseDuration, parseTarget } from '../../services/ops/rewind/target.ts';

const now = new Date('2026-11-22T12:00:00Z');

describe('rewind targets', () => {
  it('reads earliest, latest, offsets, times and durations', () => {
    expect(parseTarget({ to: 'earliest' }, now)).toEqual({ kind: 'earliest' });
    expect(parseTarget({ to: 'latest' }, now)).toEqual({ kind: 'latest' });
    expect(parseTarget({ toOffset: '42' }, now)).toEqual({ kind: 'offset', offset: 42 });
    const at = parseTarget({ toTime: '2026-11-22T08:00:00Z' }, now);
    expect(at).toMatchObject({ kind: 'time', at: new Date('2026-11-22T08:00:00Z') });
    const ago = parseTarget({ ago: '1h30m' }, now);
    expect(ago).toMatchObject({ kind: 'time', at: new Date('2026-11-22T10:30:00Z'), asked: '1h30m ago' });
    expect(describeTarget(ago)).toBe('time:2026-11-22T10:30:00.000Z (1h30m ago)');
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('7d')).toBe(7 * 86_400);
  });

  it('refuses what it cannot mean, naming the option', () => {
    expect(() => parseTarget({}, now)).toThrow(/exactly one of --to/);
    expect(() => parseTarget({ to: 'earliest', ago: '5m' }, now)).toThrow(/exactly one of --to/);
    expect(() => parseTarget({ to: 'start' }, now)).toThrow(/--to takes earliest or latest, not "start"/);
    expect(() => parseTarget({ toOffset: '-1' }, now)).toThrow(/--to-offset must be a whole number/);
    expect(() => parseTarget({ toOffset: '1e3' }, now)).toThrow(/--to-offset must be a whole number/);
    expect(() => parseTarget({ toTime: 'yesterday' }, now)).toThrow(/--to-time must be an ISO 8601 time/);
    expect(() => parseTarget({ toTime: '2027-01-01T00:00:00Z' }, now)).toThrow(/in the future/);
    expect(() => parseTarget({ ago: '10 minutes' }, now)).toThrow(/--ago must be a duration/);
    expect(() => parseTarget({ ago: '5m3' }, now)).toThrow(/--ago must be a duration/);
  });
});
