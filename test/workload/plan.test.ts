import { describe, expect, it } from 'vitest';
import { largeDescriptionBytes } from '../../scripts/demo/domain/content.ts';
import { type Action, parseWorkloadOptions, type WorkloadInput } from '../../scripts/workload/options.ts';
import { type Operation, WorkloadPlan } from '../../scripts/workload/plan.ts';

const anchorMs = Date.UTC(2026, 10, 1);

function plan(input: WorkloadInput, transactions: number): Operation[][] {
  const options = parseWorkloadOptions({ anchorMs, ...input });
  return new WorkloadPlan(options.seed, options).take(transactions);
}

function actionOf(operation: Operation): Action {
  if (operation.kind.startsWith('insert_')) return 'insert';
  if (operation.kind.startsWith('delete_')) return 'delete';
  if (operation.kind.startsWith('truncate_')) return 'truncate';
  return 'update';
}

describe('WorkloadPlan', () => {
  it('plans the same operations for the same seed and options', () => {
    expect(plan({ seed: 9 }, 300)).toEqual(plan({ seed: 9 }, 300));
  });

  it('plans different operations for a different seed', () => {
    const a = plan({ seed: 1 }, 50);
    const b = plan({ seed: 2 }, 50);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(a.map((tx) => tx.map((op) => op.kind))).not.toEqual(b.map((tx) => tx.map((op) => op.kind)));
  });

  it('honours the transaction size range, reaching both ends', () => {
    const sizes = plan({ txSize: '2-4' }, 500).map((tx) => tx.length);
    expect(Math.min(...sizes)).toBe(2);
    expect(Math.max(...sizes)).toBe(4);
  });

  it('follows the mix, and never truncates unless the mix asks for it', () => {
    const operations = plan({ txSize: 5 }, 2000).flat();
    const share = (action: Action) =>
      operations.filter((op) => actionOf(op) === action).length / operations.length;
    expect(share('truncate')).toBe(0);
    expect(share('insert')).toBeGreaterThan(0.67);
    expect(share('insert')).toBeLessThan(0.73);
    expect(share('delete')).toBeGreaterThan(0.08);
    expect(share('delete')).toBeLessThan(0.12);

    const withTruncate = plan({ txSize: 5, mix: 'insert=90,truncate=10' }, 400).flat();
    expect(withTruncate.filter((op) => op.kind === 'truncate_stat_events').length).toBeGreaterThan(100);
  });

  it('targets only the selected tables', () => {
    const kinds = new Set(
      plan({ tables: 'stat_events' }, 300)
        .flat()
        .map((op) => op.kind),
    );
    expect([...kinds].sort()).toEqual(['delete_stat_event', 'flag_stat_event_bot', 'insert_stat_event']);
  });

  it('writes out-of-line descriptions in the requested share of mission writes', () => {
    const missionText = (ops: Operation[]) =>
      ops.flatMap((op) => {
        if (op.kind === 'insert_mission') return [op.draft.description];
        if (op.kind === 'update_mission' && op.change.field === 'description') return [op.change.description];
        return [];
      });
    const always = missionText(plan({ tables: 'missions', largeTextRatio: 1 }, 200).flat());
    expect(always.length).toBeGreaterThan(50);
    for (const text of always) expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(largeDescriptionBytes);

    const never = missionText(plan({ tables: 'missions', largeTextRatio: 0 }, 200).flat());
    expect(never.length).toBeGreaterThan(0);
    for (const text of never) expect(Buffer.byteLength(text)).toBeLessThan(8192);
  });
});
