/**
 * The start-up decision table of the slot and its initial snapshot (snapshot/slot-start.ts), and the slot
 * states it reads, including those written by the previous version (lib/source/reader-state.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseLsn } from '../../lib/postgres/index.ts';
import { parseSlotState, type SlotState, slotState } from '../../lib/source/reader-state.ts';
import { decideSlotStart } from '../../services/replication-reader/snapshot/slot-start.ts';

const tables = ['items', 'notes'];
const slotAt = (lsn: string) => ({ confirmedFlushLsn: parseLsn(lsn) });
const state = (status: SlotState['status'], fields: Partial<SlotState> = {}): SlotState => ({
  ...slotState(status, { instance: 'abc', consistentPoint: status === 'creating' ? undefined : '0/5000' }),
  ...fields,
});

describe('decideSlotStart', () => {
  it('creates a missing slot whatever the state says (an old done never describes a new slot)', () => {
    expect(decideSlotStart(null, undefined, tables)).toEqual({ action: 'create', reason: 'new' });
    expect(decideSlotStart(null, state('done'), tables)).toEqual({ action: 'create', reason: 'vanished' });
    expect(decideSlotStart(null, state('creating'), tables)).toEqual({
      action: 'create',
      reason: 'unfinished',
    });
    expect(decideSlotStart(null, state('in-progress'), tables)).toEqual({
      action: 'create',
      reason: 'unfinished',
    });
  });

  it('drops and re-creates a slot whose snapshot never finished, the creation intent included', () => {
    for (const status of ['creating', 'in-progress'] as const) {
      expect(decideSlotStart(slotAt('0/5000'), state(status), tables)).toEqual({
        action: 'recreate',
        reason: 'interrupted',
      });
    }
  });

  it('streams a slot whose done state describes it, copying the tables its snapshot did not', () => {
    expect(decideSlotStart(slotAt('0/5000'), state('done', { tables }), tables)).toEqual({
      action: 'stream',
      neverSnapshotted: [],
    });
    expect(decideSlotStart(slotAt('1/0'), state('done', { tables: ['items'] }), tables)).toEqual({
      action: 'stream',
      neverSnapshotted: ['notes'],
    });
    // A state from before table lists: nothing to say about individual tables.
    expect(decideSlotStart(slotAt('0/5000'), state('done', { tables: undefined }), tables)).toEqual({
      action: 'stream',
      neverSnapshotted: [],
    });
  });

  it('drops and re-creates a slot that confirmed less than the done state’s consistent point', () => {
    expect(decideSlotStart(slotAt('0/4FFF'), state('done', { tables }), tables)).toEqual({
      action: 'recreate',
      reason: 'not-this-slot',
    });
  });

  it('keeps a slot without state but assumes no snapshot: every table is copied', () => {
    expect(decideSlotStart(slotAt('0/5000'), undefined, tables)).toEqual({
      action: 'adopt',
      neverSnapshotted: tables,
    });
  });

  it('neither drops nor adopts a slot without a confirmed position (a physical slot by that name)', () => {
    for (const known of [undefined, state('creating'), state('done')]) {
      expect(decideSlotStart({ confirmedFlushLsn: null }, known, tables)).toEqual({
        action: 'stream',
        neverSnapshotted: [],
      });
    }
  });
});

describe('slot states', () => {
  it('understands a state written by the previous version', () => {
    const old = { snapshot: 'in-progress', consistentPoint: '0/16B3748', updatedAt: '2024-01-01T00:00:00Z' };
    expect(parseSlotState(old)).toMatchObject({ status: 'in-progress', consistentPoint: '0/16B3748' });
    expect(parseSlotState({ ...old, snapshot: 'done', tables: ['items'] })).toMatchObject({
      status: 'done',
      tables: ['items'],
      instance: undefined,
    });
  });

  it('writes the legacy field so a rolled-back reader still drops an unfinished slot', () => {
    expect(slotState('creating', { instance: 'a' })).toMatchObject({
      status: 'creating',
      snapshot: 'in-progress',
    });
    expect(slotState('in-progress', { instance: 'a', consistentPoint: '0/1' })).toMatchObject({
      snapshot: 'in-progress',
    });
    expect(slotState('done', { instance: 'a', consistentPoint: '0/1', tables: [] })).toMatchObject({
      snapshot: 'done',
    });
  });

  it('round-trips through JSON', () => {
    const written = slotState('done', { instance: 'a', consistentPoint: '0/1', tables: ['items'] });
    expect(parseSlotState(JSON.parse(JSON.stringify(written)))).toEqual(written);
  });

  it('refuses what it cannot trust: unknown status, a missing or malformed consistent point', () => {
    expect(parseSlotState(undefined)).toBeUndefined();
    expect(parseSlotState('done')).toBeUndefined();
    expect(parseSlotState({ status: 'copied', consistentPoint: '0/1' })).toBeUndefined();
    expect(parseSlotState({ status: 'done' })).toBeUndefined();
    expect(parseSlotState({ status: 'in-progress', consistentPoint: 'yesterday' })).toBeUndefined();
    expect(parseSlotState({ status: 'creating', consistentPoint: 12 })).toBeUndefined();
    expect(parseSlotState({ status: 'creating', instance: 'a', updatedAt: 'now' })).toMatchObject({
      status: 'creating',
    });
  });
});
