/**
 * Where `cdc rewind` moves a cursor, parsed from the command line (pure). Exactly one of: `--to earliest`,
 * `--to latest`, `--to-offset <n>`, `--to-time <ISO 8601>`, `--ago <duration>` (90s, 15m, 2h, 7d; combined
 * as 1h30m).
 */
import { PipelineError } from '../../../lib/errors/index.ts';

export type RewindTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; at: Date /** How it was asked: `ago:15m` or the timestamp. */; asked: string };

export interface TargetOptions {
  to?: string;
  toOffset?: string;
  toTime?: string;
  ago?: string;
}

const usage = (message: string) => new PipelineError('INVALID_ARGUMENT', `rewind: ${message}`);
const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `1h30m` → 5400 seconds. */
export function parseDuration(text: string): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)([smhd])/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text.trim()) {
    throw usage(`--ago must be a duration like 90s, 15m, 2h, 7d or 1h30m, not "${text}"`);
  }
  return parts.reduce((total, part) => total + Number(part[1]) * (unitSeconds[part[2] as string] ?? 0), 0);
}

export function parseTarget(options: TargetOptions, now: Date = new Date()): RewindTarget {
  const given = Object.entries(options).filter(([, value]) => value !== undefined);
  if (given.length !== 1) {
    throw usage(
      'say where to move the cursor with exactly one of --to earliest|latest, --to-offset, --to-time, --ago',
    );
  }
  if (options.to !== undefined) {
    if (options.to === 'earliest' || options.to === 'latest') return { kind: options.to };
    throw usage(`--to takes earliest or latest, not "${options.to}" (see --to-offset, --to-time, --ago)`);
  }
  if (options.toOffset !== undefined) {
    const offset = Number(options.toOffset);
    if (!/^\d+$/.test(options.toOffset.trim()) || !Number.isSafeInteger(offset)) {
      throw usage(`--to-offset must be a whole number, not "${options.toOffset}"`);
    }
    return { kind: 'offset', offset };
  }
  if (options.toTime !== undefined) {
    const at = new Date(options.toTime);
    if (!/^\d{4}-\d{2}-\d{2}/.test(options.toTime) || Number.isNaN(at.getTime())) {
      throw usage(`--to-time must be an ISO 8601 time such as 2026-11-22T08:00:00Z, not "${options.toTime}"`);
    }
    if (at.getTime() > now.getTime()) throw usage(`--to-time ${options.toTime} is in the future`);
    return { kind: 'time', at, asked: at.toISOString() };
  }
  const seconds = parseDuration(options.ago as string);
  return {
    kind: 'time',
    at: new Date(now.getTime() - seconds * 1000),
    asked: `${(options.ago as string).trim()} ago`,
  };
}

export function describeTarget(target: RewindTarget): string {
  switch (target.kind) {
    case 'earliest':
    case 'latest':
      return target.kind;
    case 'offset':
      return `offset:${target.offset}`;
    case 'time':
      return `time:${target.at.toISOString()} (${target.asked})`;
  }
}
