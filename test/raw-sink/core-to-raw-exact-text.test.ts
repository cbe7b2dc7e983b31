/**
 * Values that travel as `cdc.PgText` (PostgreSQL's exact text, where the field's typed branch cannot hold them)
 * land in analytics_raw exactly: core → reader → Kafka → the raw sink → raw equals core, compared in
 * PostgreSQL's text form. 2-dimensional arrays and `[0:2]=` bounds in `integer[]`/`text[]` columns, timestamps
 * in year 294250 and at PostgreSQL's very last microsecond, infinities, next to ordinary values of the same
 * columns; another table streams meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const sink = new SinkFixture(reader);

const columns = ['ints', 'words', 'at', 'at_tz', 'ats', 'd'];
const asText = ['id', ...columns].map((column) => `${column}::text`).join(', ');

describe('core to raw, values sent as exact text', () => {
  beforeAll(async () => {
    await reader.setUp(
      `CREATE TABLE exact_text (id bigint PRIMARY KEY, ints integer[], words text[], at timestamp,
         at_tz timestamptz, ats timestamptz[], d date);
       CREATE TABLE steady (id bigint PRIMARY KEY, label text);`,
      ['exact_text', 'steady'].map((name) => ({
        name,
        source: { schema: 'public', table: name },
        destination: { table: name },
      })),
    );
    await sink.setUp();
    await sink.createRawTable('exact_text', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'ints', sqlType: 'integer[]' },
      { name: 'words', sqlType: 'text[]' },
      { name: 'at', sqlType: 'timestamp without time zone' },
      { name: 'at_tz', sqlType: 'timestamp with time zone' },
      { name: 'ats', sqlType: 'timestamp with time zone[]' },
      { name: 'd', sqlType: 'date' },
    ]);
    await sink.createRawTable('steady', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'label', sqlType: 'text' },
    ]);
    await reader.start();
    await sink.startSink();
  }, 120_000);

  afterAll(async () => {
    await sink.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('lands 2-D arrays, array bounds, year 294250 and infinity exactly, then their updates', async () => {
    await reader.owner.query(
      `INSERT INTO exact_text VALUES
         (1, '{{1,2},{3,4}}', '{{a,"b c"},{NULL,"d\\"e"}}', '294250-01-01 00:00:00',
             '294250-06-01 12:00:00.5+02', '{"294250-01-01 00:00:00+00","2026-01-01 00:00:00+00"}', 'infinity'),
         (2, '[0:2]={1,2,3}', '[0:0]={"x,y"}', '294276-12-31 23:59:59.999999', 'infinity', '{infinity}',
             '5874897-12-31'),
         (3, '{1,NULL}', '{}', '2026-01-01 10:00:00', '2026-01-01 10:00:00+00', '{}', '2026-01-01'),
         (4, NULL, NULL, NULL, NULL, NULL, NULL)`,
    );
    await reader.owner.query(`INSERT INTO steady VALUES (1, 'meanwhile')`);
    await waitFor(() => sink.converged('exact_text', asText), 'raw equals core after the inserts');
    await waitFor(() => sink.converged('steady', 'id, label'), 'the other table landed');

    // Values move between the typed and the text branches of the same fields.
    await reader.owner.query(
      `UPDATE exact_text SET ints = '{5,6}', at = '2026-01-02 00:00:00', ats = '[2:2]={"2026-01-01 00:00:00+00"}'
        WHERE id = 1`,
    );
    await reader.owner.query(
      `UPDATE exact_text SET ints = '[1:1][0:1]={{7,8}}', at = '294250-01-01 00:00:00.000001' WHERE id = 3`,
    );
    await waitFor(() => sink.converged('exact_text', asText), 'raw equals core after the updates');
    const { rows } = await sink.pool.query(
      'SELECT ints::text, at::text FROM analytics_raw.exact_text WHERE id = 3',
    );
    expect(rows).toEqual([{ ints: '[1:1][0:1]={{7,8}}', at: '294250-01-01 00:00:00.000001' }]);
  });
});
