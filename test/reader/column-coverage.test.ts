/**
 * Which columns of a newly described table hold values no change event carried (snapshot/column-coverage.ts):
 * pure decision from what the last copy read, the relation message and the catalog.
 */
import { describe, expect, it } from 'vitest';
import { columnsRewritten } from '../../services/replication-reader/snapshot/column-coverage.ts';

const int4 = 23;
const text = 25;
const varchar = 1043;

const covered = [
  { name: 'id', typeOid: 20, typeModifier: -1, attnum: 1 },
  { name: 'qty', typeOid: int4, typeModifier: -1, attnum: 2 },
  { name: 'code', typeOid: varchar, typeModifier: 14, attnum: 4 },
];

const relation = (...columns: { name: string; typeOid: number; typeModifier: number }[]) => ({
  columns: [
    { name: 'id', typeOid: 20, typeModifier: -1, isKey: true },
    ...columns.map((column) => ({ ...column, isKey: false })),
  ],
});

const attribute = (name: string, attnum: number, filled = false) => ({ name, attnum, filled });
const catalog = [attribute('id', 1), attribute('qty', 2), attribute('code', 4)];

describe('columnsRewritten', () => {
  it('finds nothing when the description is what the copy read', () => {
    const same = relation(
      { name: 'qty', typeOid: int4, typeModifier: -1 },
      { name: 'code', typeOid: varchar, typeModifier: 14 },
    );
    expect(columnsRewritten(covered, same, catalog)).toEqual([]);
  });

  it('ignores a column added without a default, and one already dropped again', () => {
    const added = relation(
      { name: 'qty', typeOid: int4, typeModifier: -1 },
      { name: 'note', typeOid: text, typeModifier: -1 },
      { name: 'gone', typeOid: text, typeModifier: -1 },
    );
    expect(columnsRewritten(covered, added, [...catalog, attribute('note', 5)])).toEqual([]);
  });

  it('finds a column added with a default (constant or volatile)', () => {
    const added = relation(
      { name: 'qty', typeOid: int4, typeModifier: -1 },
      { name: 'status', typeOid: text, typeModifier: -1 },
    );
    expect(columnsRewritten(covered, added, [...catalog, attribute('status', 5, true)])).toEqual([
      { column: 'status', reason: 'filled-by-default' },
    ]);
  });

  it('finds a type change (oid or modifier), a rename and a column published again', () => {
    const changed = relation(
      { name: 'quantity', typeOid: int4, typeModifier: -1 },
      { name: 'code', typeOid: varchar, typeModifier: 24 },
      { name: 'hidden', typeOid: text, typeModifier: -1 },
    );
    const now = [attribute('id', 1), attribute('quantity', 2), attribute('hidden', 3), attribute('code', 4)];
    expect(columnsRewritten(covered, changed, now)).toEqual([
      { column: 'quantity', reason: 'renamed' },
      { column: 'code', reason: 'type-changed' },
      { column: 'hidden', reason: 'published-again' },
    ]);
  });
});
