import { describe, expect, it } from 'vitest';
import { coreTables } from '../../scripts/demo/domain/tables.ts';
import { KeyedPool } from '../../scripts/workload/key-pool.ts';
import { TxChanges, WorkloadTally } from '../../scripts/workload/report.ts';
import { isTransient } from '../../scripts/workload/retry.ts';

const baseline = Object.fromEntries(coreTables.map((table) => [table, 10])) as Record<
  (typeof coreTables)[number],
  number
>;

describe('WorkloadTally', () => {
  it('applies changes in statement order, so rows inserted after a TRUNCATE survive it', () => {
    const tally = new WorkloadTally(baseline);
    const tx = new TxChanges();
    tx.record('stat_events', 'inserted', 3, ['a', 'b', 'c']);
    tx.truncated('stat_events');
    tx.record('stat_events', 'inserted', 2, ['d', 'e']);
    tx.record('stat_events', 'deleted', 1, ['d']);
    tally.commit(tx);
    expect(tally.tables.stat_events).toMatchObject({
      inserted: 5,
      deleted: 1,
      truncates: 1,
      expectedRows: 1,
      lastWrittenKeys: ['e'],
      lastDeletedKeys: ['d'],
    });
    expect(tally.tables.missions.expectedRows).toBe(10);
    expect(tally.rowsWritten).toBe(6);
  });

  it('keeps only the latest keys', () => {
    const tally = new WorkloadTally(baseline);
    const tx = new TxChanges();
    for (let i = 0; i < 25; i++) tx.record('missions', 'updated', 1, [String(i)]);
    tally.commit(tx);
    expect(tally.tables.missions.lastWrittenKeys).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i + 15)),
    );
  });

  it('takes the database counts as the new baseline on resync', () => {
    const tally = new WorkloadTally(baseline);
    tally.resync({ ...baseline, partners: 3 });
    expect(tally.tables.partners.expectedRows).toBe(3);
    expect(tally.resyncs).toBe(1);
  });
});

describe('KeyedPool', () => {
  it('adds, removes and picks by number, consistently', () => {
    const pool = new KeyedPool<number>();
    for (let i = 0; i < 5; i++) pool.add(`k${i}`, i);
    expect(pool.remove('k1')).toBe(true);
    expect(pool.remove('k1')).toBe(false);
    expect(pool.size).toBe(4);
    expect(pool.has('k1')).toBe(false);
    const picked = new Set(Array.from({ length: 8 }, (_, i) => pool.pick(i)?.key));
    expect([...picked].sort()).toEqual(['k0', 'k2', 'k3', 'k4']);
    expect(pool.get('k4')).toBe(4);
    pool.clear();
    expect(pool.pick(1)).toBeUndefined();
  });
});

describe('isTransient', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    ['admin shutdown', withCode('57P01')],
    ['connection refused', withCode('ECONNREFUSED')],
    ['a dropped socket (no code)', new Error('Connection terminated unexpectedly')],
    ['a wrapped connection failure', new Error('outer', { cause: withCode('08006') })],
    ['a row deleted by another writer', withCode('23503')],
  ])('retries %s', (_name, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['a duplicate key', withCode('23505')],
    ['a missing table', withCode('42P01')],
    ['a plain bug', new TypeError('undefined is not a function')],
  ])('does not retry %s', (_name, error) => {
    expect(isTransient(error)).toBe(false);
  });
});
