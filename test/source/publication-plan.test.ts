/** The publication plan: nothing when in sync, one transaction of quoted DDL otherwise. */
import { describe, expect, it } from 'vitest';
import type { PublicationFacts } from '../../lib/source/facts/publication.ts';
import { planPublication } from '../../lib/source/publication-plan.ts';
import type { PublishedColumns } from '../../lib/source/published-columns.ts';

const published = (table: string, columnList: string[] | null, schema = 'public'): PublishedColumns => ({
  connector: table,
  schema,
  table,
  columnList,
  columns: columnList ?? ['id'],
  key: ['id'],
  excluded: [],
  pseudonymised: [],
  staleExclusions: [],
  problems: [],
});

const current = (tables: PublicationFacts['tables']): PublicationFacts => ({
  name: 'pub',
  owner: 'app',
  allTables: false,
  operations: { insert: true, update: true, delete: true, truncate: true },
  viaRoot: false,
  tables,
});

describe('planPublication', () => {
  it('does nothing when the publication matches', () => {
    const plan = planPublication(
      'pub',
      [published('a', ['id', 'x']), published('b', null)],
      current([
        { schema: 'public', table: 'a', columns: ['x', 'id'], hasColumnList: true, rowFilter: null },
        { schema: 'public', table: 'b', columns: ['id', 'y'], hasColumnList: false, rowFilter: null },
      ]),
    );
    expect(plan).toMatchObject({ action: 'none', statements: [], differences: [] });
  });

  it('quotes every name, however odd (DDL cannot take parameters)', () => {
    const plan = planPublication('pub"x', [published('we"ird', ['id', 'Mixed Case'], 'my schema')], null);
    expect(plan.statements).toEqual([
      `CREATE PUBLICATION "pub""x" FOR TABLE "my schema"."we""ird" ("id", "Mixed Case") WITH (publish = 'insert, update, delete, truncate', publish_via_partition_root = false);`,
    ]);
  });

  it('replaces the table list when a column is newly excluded, and says why', () => {
    const plan = planPublication(
      'pub',
      [published('a', ['id'])],
      current([
        { schema: 'public', table: 'a', columns: ['id', 'email'], hasColumnList: true, rowFilter: null },
      ]),
    );
    expect(plan.action).toBe('alter');
    expect(plan.statements).toEqual(['ALTER PUBLICATION "pub" SET TABLE "public"."a" ("id");']);
    expect(plan.differences).toEqual(['public.a publishes (id, email); expected (id)']);
  });

  it('drops every table when no connector remains', () => {
    const plan = planPublication(
      'pub',
      [],
      current([{ schema: 'public', table: 'a', columns: ['id'], hasColumnList: false, rowFilter: null }]),
    );
    expect(plan.statements).toEqual(['ALTER PUBLICATION "pub" DROP TABLE "public"."a";']);
  });
});
