import { describe, expect, it } from 'vitest';
import { coalesce, type RowChange, type TableChange } from '../../services/raw-sink/apply/coalesce.ts';
import { unchanged } from '../../services/raw-sink/values/pg-text.ts';

let offset = 0n;
function change(op: RowChange['op'], key: string, values: RowChange['values']): RowChange {
  offset++;
  return {
    op,
    key,
    values,
    commitLsn: offset * 10n,
    lsn: offset * 10n,
    committedAtMicros: offset,
    partition: 0,
    offset,
  };
}

describe('coalesce', () => {
  it('keeps the last change per key, in first-seen key order', () => {
    const segments = coalesce([
      change('c', '[1]', { id: '1', body: 'a' }),
      change('c', '[2]', { id: '2', body: 'b' }),
      change('u', '[1]', { id: '1', body: 'a2' }),
    ]);
    expect(segments).toHaveLength(1);
    const rows = segments[0]?.kind === 'rows' ? segments[0].rows : [];
    expect(rows.map((row) => [row.key, row.values.body])).toEqual([
      ['[1]', 'a2'],
      ['[2]', 'b'],
    ]);
  });

  it('fills an unchanged TOAST column from an earlier change of the batch, and leaves it unchanged otherwise', () => {
    const [segment] = coalesce([
      change('c', '[1]', { id: '1', doc: 'big', note: 'x' }),
      change('u', '[1]', { id: '1', doc: unchanged, note: 'y' }),
      change('u', '[2]', { id: '2', doc: unchanged, note: 'z' }),
    ]);
    const rows = segment?.kind === 'rows' ? segment.rows : [];
    expect(rows[0]?.values).toEqual({ id: '1', doc: 'big', note: 'y' });
    expect(rows[1]?.values.doc).toBe(unchanged);
  });

  it('does not carry values across a delete', () => {
    const [segment] = coalesce([
      change('c', '[1]', { id: '1', doc: 'old' }),
      change('d', '[1]', { id: '1', doc: null }),
      change('c', '[1]', { id: '1', doc: unchanged }),
    ]);
    const rows = segment?.kind === 'rows' ? segment.rows : [];
    expect(rows[0]?.op).toBe('c');
    expect(rows[0]?.values.doc).toBe(unchanged);
  });

  it('splits the batch at a truncate, so rows before and after it apply on the right side of it', () => {
    offset = 0n;
    const truncate: TableChange = {
      op: 't',
      commitLsn: 1_000n,
      lsn: 1_000n,
      committedAtMicros: 0n,
      partition: 0,
      offset: 99n,
    };
    const segments = coalesce([change('c', '[1]', { id: '1' }), truncate, change('c', '[1]', { id: '1' })]);
    expect(segments.map((segment) => segment.kind)).toEqual(['rows', 'truncate', 'rows']);
  });
});

describe('coalesce, tombstones', () => {
  it('keeps a delete over its own tombstone (the delete may carry the whole old row, the tombstone the key only)', () => {
    const deleted = change('d', '[1]', { id: '1', body: 'old' });
    const tombstone: RowChange = {
      ...deleted,
      values: { id: '1' },
      offset: deleted.offset + 1n,
      fromTombstone: true,
    };
    const [segment] = coalesce([deleted, tombstone]);
    expect(segment?.kind === 'rows' ? segment.rows : []).toEqual([deleted]);
  });

  it('applies a tombstone whose delete event is not in the batch (compacted away) like that delete', () => {
    const created = change('c', '[1]', { id: '1', body: 'a' });
    const tombstone: RowChange = { ...change('d', '[1]', { id: '1' }), fromTombstone: true };
    const [segment] = coalesce([created, tombstone]);
    expect(segment?.kind === 'rows' ? segment.rows : []).toEqual([tombstone]);
  });
});
