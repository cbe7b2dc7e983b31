import { describe, expect, it } from 'vitest';
import { defineConnector } from '../../connectors/define.ts';
import { rawColumnsOf, rawMetadataColumns, rawMigrationSql, rawTableDdl } from '../../lib/raw/raw-table.ts';

const value = {
  fields: [
    { name: 'id', 'cdc.column': 'id', 'cdc.sqlType': 'bigint' },
    { name: 'Amount_', 'cdc.column': 'Amount €', 'cdc.sqlType': 'numeric(12,2)' },
    { name: 'tags', 'cdc.column': 'tags', 'cdc.sqlType': 'text[]' },
  ],
};
const key = { fields: [{ name: 'id', 'cdc.column': 'id', 'cdc.sqlType': 'bigint' }] };

describe('raw tables', () => {
  it('takes the source column names and types from the schema, quoted, with the metadata columns', () => {
    const ddl = rawTableDdl({
      table: 'things',
      source: 'public.things',
      columns: rawColumnsOf(value, 'things'),
      conflictColumns: ['id'],
    });
    expect(ddl).toContain('CREATE TABLE IF NOT EXISTS analytics_raw."things" (');
    expect(ddl).toContain('  "Amount €" numeric(12,2),');
    expect(ddl).toContain('  "tags" text[],');
    for (const column of rawMetadataColumns) expect(ddl).toContain(`  ${column.name} ${column.definition}`);
    expect(ddl).toContain('  PRIMARY KEY ("id")');
  });

  it('keys the table by the conflict columns: the connector’s, or its key columns by default', () => {
    const byKey = rawMigrationSql(
      defineConnector({
        name: 'things',
        source: { schema: 'public', table: 'things' },
        destination: { table: 'things' },
      }),
      value,
      key,
    );
    expect(byKey).toMatch(/^-- migrate:up\n/);
    expect(byKey).toContain('PRIMARY KEY ("id")');
    expect(byKey).toContain('-- migrate:down\nDROP TABLE IF EXISTS analytics_raw."things";');
    const byConflict = rawMigrationSql(
      defineConnector({
        name: 'things',
        source: { schema: 'public', table: 'things' },
        destination: { table: 'raw_things', conflictColumns: ['id', 'tags'] },
      }),
      value,
      key,
    );
    expect(byConflict).toContain('PRIMARY KEY ("id", "tags")');
    expect(byConflict).toContain('analytics_raw."raw_things"');
  });

  it('names what is wrong: a schema without column metadata, an unknown conflict column, a clash', () => {
    expect(() => rawColumnsOf({ fields: [{ name: 'id' }] }, 'things')).toThrow(
      /things: field id has no cdc.column \/ cdc.sqlType.*npm run schemas -- write/,
    );
    expect(() =>
      rawTableDdl({
        table: 't',
        source: 's.t',
        columns: rawColumnsOf(value, 't'),
        conflictColumns: ['nope'],
      }),
    ).toThrow(/conflict columns nope are not columns/);
    expect(() =>
      rawColumnsOf({ fields: [{ name: 'x', 'cdc.column': '_deleted', 'cdc.sqlType': 'boolean' }] }, 'things'),
    ).toThrow(/_deleted clashes with a raw metadata column/);
  });
});
