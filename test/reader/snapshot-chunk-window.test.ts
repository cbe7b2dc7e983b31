import { describe, expect, it } from 'vitest';
import type { RowChange } from '../../services/replication-reader/model.ts';
import {
  ChunkWindows,
  keyText,
  StaleChunk,
  watermarkContent,
} from '../../services/replication-reader/snapshot/chunk-window.ts';

const table = { schema: 'public', table: 'items', relationOid: 42 };
const position = { commitLsn: 1n, lsn: 1n, xid: 1, commitTimeMicros: 0n };
const rows = [1, 2, 3, 4].map((id) => ({ id: String(id), label: `row ${id}` }));

describe('chunk windows', () => {
  it('drops from the chunk every key changed between its watermarks, and only those', async () => {
    const windows = new ChunkWindows();
    const window = windows.open('s/0', table, ['id']);
    const before: RowChange = { op: 'u', table, position, before: null, after: { id: '1', label: 'x' } };
    windows.onChange(before); // before the low watermark: the select saw it, the chunk keeps the row
    expect(windows.onWatermark(watermarkContent('s/0', 'low'))).toBeUndefined();
    window.rows = rows;
    windows.onChange({ op: 'd', table, position, before: { id: '2' } });
    windows.onChange({ op: 'u', table, position, before: { id: '9' }, after: { id: '3', label: 'moved' } });
    windows.onChange({ op: 'c', table: { ...table, relationOid: 7 }, position, after: { id: '4' } }); // other table
    const reached = windows.onWatermark(watermarkContent('s/0', 'high'));
    expect(reached?.rows.map((row) => row.id)).toEqual(['1', '4']);
    reached?.settle(Promise.resolve());
    expect((await window.done).emitted).toBe(2);
    expect(windows.size).toBe(0);
  });

  it('emits nothing after a truncate inside the window, and ignores unknown or replayed watermarks', async () => {
    const windows = new ChunkWindows();
    const window = windows.open('s/1', table, ['id']);
    windows.onWatermark(watermarkContent('s/1', 'low'));
    window.rows = rows;
    windows.onChange({ op: 't', table, position, cascade: false, restartIdentity: false });
    expect(windows.onWatermark(watermarkContent('other/3', 'high'))).toBeUndefined();
    expect(windows.onWatermark('garbage')).toBeUndefined();
    expect(windows.onWatermark(watermarkContent('s/1', 'high'))?.rows).toEqual([]);
  });

  it('refuses a high watermark without its low one, and rejects abandoned windows', async () => {
    const windows = new ChunkWindows();
    const unfenced = windows.open('s/2', table, ['id']);
    unfenced.rows = rows;
    expect(windows.onWatermark(watermarkContent('s/2', 'high'))).toBeUndefined();
    await expect(unfenced.done).rejects.toThrow(/without its low watermark/);
    const abandoned = windows.open('s/3', table, ['id']);
    windows.abandonAll(new Error('stopping'));
    await expect(abandoned.done).rejects.toThrow('stopping');
  });

  it('discards a chunk whose snapshot missed a transaction streamed before its low watermark', async () => {
    const windows = new ChunkWindows();
    windows.onTransaction(100); // committed (and streamed) just before the watermark, still in progress for the select
    const stale = windows.open('s/4.1', table, ['id']);
    windows.onWatermark(watermarkContent('s/4.1', 'low'));
    stale.rows = rows;
    stale.inProgress = [100, 200];
    expect(windows.onWatermark(watermarkContent('s/4.1', 'high'))).toBeUndefined();
    await expect(stale.done).rejects.toBeInstanceOf(StaleChunk);

    // Transactions in progress that commit after the watermark are the window's ordinary business.
    const fresh = windows.open('s/4.2', table, ['id']);
    windows.onWatermark(watermarkContent('s/4.2', 'low'));
    fresh.rows = rows;
    fresh.inProgress = [200];
    windows.onTransaction(200);
    windows.onChange({ op: 'd', table, position, before: { id: '1' } });
    expect(windows.onWatermark(watermarkContent('s/4.2', 'high'))?.rows.map((row) => row.id)).toEqual([
      '2',
      '3',
      '4',
    ]);
  });

  it('compares composite keys without ambiguity', () => {
    expect(keyText({ a: 'x,y', b: 'z' }, ['a', 'b'])).not.toBe(keyText({ a: 'x', b: 'y,z' }, ['a', 'b']));
    expect(keyText({ a: '', b: null }, ['a', 'b'])).not.toBe(keyText({ a: null, b: '' }, ['a', 'b']));
  });
});
