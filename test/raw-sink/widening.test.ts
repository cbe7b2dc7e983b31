/**
 * Which writer types a raw column takes without loss, what to widen it to otherwise, the migration that says
 * so, and the verdicts `reconcile` draws from them (pure). The replays on the real stack are in
 * sink-replay-older-schemas.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { formatSqlType, parseSqlType, type SqlType } from '../../lib/postgres/index.ts';
import type { RawTableShape } from '../../services/raw-sink/apply/merge-sql.ts';
import { reconcile } from '../../services/raw-sink/schema/evolution.ts';
import { commonType, widens } from '../../services/raw-sink/schema/widening.ts';
import { wideningMigration } from '../../services/raw-sink/schema/widening-migration.ts';

const type = (text: string): SqlType => {
  const parsed = parseSqlType(text);
  if (!parsed) throw new Error(`not a type: ${text}`);
  return parsed;
};
const fits = (writer: string, raw: string) => widens(type(writer), type(raw));
const join = (raw: string, writer: string) => formatSqlType(commonType(type(raw), type(writer)));

describe('widenings', () => {
  it('takes every lossless widening', () => {
    const lossless: [string, string][] = [
      ['integer', 'integer'],
      ['numeric(12,2)', 'numeric(12,2)'],
      ['mood', 'mood'],
      ['integer', 'text'],
      ['timestamp with time zone', 'text'],
      ['mood[]', 'text'],
      ['bytea', 'text'],
      ['smallint', 'integer'],
      ['smallint', 'bigint'],
      ['integer', 'bigint'],
      ['bigint', 'numeric'],
      ['smallint', 'numeric(5,0)'],
      ['integer', 'numeric(10,0)'],
      ['integer', 'numeric(12,2)'],
      ['bigint', 'numeric(19,0)'],
      ['bigint', 'numeric(21,2)'],
      ['numeric(8,2)', 'numeric(12,4)'],
      ['numeric(8,2)', 'numeric(8,2)'],
      ['numeric(8,2)', 'numeric'],
      ['numeric(5,-2)', 'numeric(7,0)'],
      ['real', 'double precision'],
      ['character varying(10)', 'character varying(50)'],
      ['character varying(10)', 'character varying'],
      ['character varying', 'text'],
      ['text', 'character varying'],
      ['character(5)', 'text'],
      ['character(5)', 'character varying(5)'],
      ['time(3) without time zone', 'time without time zone'],
      ['time(3) with time zone', 'time(6) with time zone'],
      ['timestamp(3) without time zone', 'timestamp(6) without time zone'],
      ['timestamp with time zone', 'timestamp(6) with time zone'],
      ['timestamp(0) with time zone', 'timestamp with time zone'],
      ['timestamp without time zone', 'timestamp with time zone'],
      ['timestamp(3) without time zone', 'timestamp(3) with time zone'],
      ['date', 'timestamp without time zone'],
      ['date', 'timestamp(0) with time zone'],
      ['interval(3)', 'interval'],
      ['interval year to month', 'interval'],
      ['json', 'jsonb'],
      ['integer[]', 'bigint[]'],
      ['character varying(10)[]', 'text[]'],
      ['timestamp with time zone[]', 'text[]'],
      ['numeric(8,2)[]', 'numeric[]'],
      ['integer[][]', 'bigint[][]'],
    ];
    for (const [writer, raw] of lossless) expect(fits(writer, raw), `${writer} → ${raw}`).toBe(true);
  });

  it('refuses every narrowing and every change of meaning, even when values might fit', () => {
    const lossy: [string, string][] = [
      ['bigint', 'integer'],
      ['integer', 'smallint'],
      ['text', 'integer'],
      ['text', 'character varying(50)'],
      ['numeric', 'bigint'],
      ['numeric(5,0)', 'integer'],
      ['numeric', 'numeric(30,10)'],
      ['numeric(12,4)', 'numeric(12,2)'],
      ['numeric(12,2)', 'numeric(11,2)'],
      ['bigint', 'numeric(18,0)'],
      ['integer', 'numeric(10,1)'],
      ['double precision', 'real'],
      ['integer', 'double precision'],
      ['real', 'numeric'],
      ['character varying(50)', 'character varying(10)'],
      ['character varying', 'character varying(10)'],
      ['character varying(5)', 'character(5)'],
      ['time without time zone', 'time(3) without time zone'],
      ['time without time zone', 'time with time zone'],
      ['timestamp(6) with time zone', 'timestamp(3) with time zone'],
      ['timestamp with time zone', 'timestamp without time zone'],
      ['timestamp(6) without time zone', 'timestamp(3) with time zone'],
      ['timestamp without time zone', 'date'],
      ['date', 'time without time zone'],
      ['interval', 'interval(3)'],
      ['interval', 'interval year to month'],
      ['jsonb', 'json'],
      ['text', 'jsonb'],
      ['uuid', 'mood'],
      ['mood', '"public"."mood"'],
      ['boolean', 'integer'],
      ['integer', 'integer[]'],
      ['integer[]', 'integer'],
      ['integer[][]', 'integer[]'],
      ['bigint[]', 'integer[]'],
      ['timestamp without time zone[]', 'timestamp with time zone[]'],
      ['date[]', 'timestamp without time zone[]'],
      ['text[]', 'integer[]'],
    ];
    for (const [writer, raw] of lossy) expect(fits(writer, raw), `${writer} → ${raw}`).toBe(false);
  });

  it('widens a raw column to the smallest type both fit, never narrower', () => {
    const joins: [string, string, string][] = [
      ['integer', 'bigint', 'bigint'],
      ['smallint', 'integer', 'integer'],
      ['bigint', 'numeric(8,2)', 'numeric(21,2)'],
      ['numeric(8,2)', 'numeric(6,4)', 'numeric(10,4)'],
      ['numeric(8,2)', 'numeric(12,4)', 'numeric(12,4)'],
      ['numeric(600,0)', 'numeric(600,500)', 'numeric'],
      ['numeric(12,2)', 'numeric', 'numeric'],
      ['real', 'double precision', 'double precision'],
      ['character varying(10)', 'character varying(50)', 'character varying(50)'],
      ['character(8)', 'character varying(5)', 'character varying(8)'],
      ['character varying(10)', 'text', 'text'],
      ['timestamp without time zone', 'timestamp with time zone', 'timestamp with time zone'],
      ['timestamp(3) without time zone', 'timestamp(2) with time zone', 'timestamp(3) with time zone'],
      ['date', 'timestamp with time zone', 'timestamp with time zone'],
      ['timestamp with time zone', 'date', 'timestamp with time zone'],
      ['date', 'timestamp(3) without time zone', 'timestamp(3) without time zone'],
      ['time(3) without time zone', 'time(6) without time zone', 'time(6) without time zone'],
      ['json', 'jsonb', 'jsonb'],
      ['jsonb', 'json', 'jsonb'],
      ['integer', 'text', 'text'],
      ['bigint', 'integer', 'bigint'],
      ['uuid', 'text', 'text'],
      ['integer', 'double precision', 'text'],
      ['time without time zone', 'time with time zone', 'text'],
      ['mood', 'text', 'text'],
      ['integer[]', 'bigint[]', 'bigint[]'],
      ['timestamp without time zone[]', 'timestamp with time zone[]', 'text[]'],
      ['integer[]', 'text[]', 'text[]'],
      ['integer[]', 'integer', 'text'],
    ];
    for (const [raw, writer, expected] of joins)
      expect(join(raw, writer), `${raw} ⊔ ${writer}`).toBe(expected);
  });

  it('the common type takes both, for every pair of a pool of types', () => {
    const pool = [
      'smallint',
      'integer',
      'bigint',
      'numeric',
      'numeric(8,2)',
      'numeric(12,4)',
      'numeric(5,-2)',
      'numeric(3,5)',
      'real',
      'double precision',
      'text',
      'character varying',
      'character varying(10)',
      'character(3)',
      'bpchar',
      'boolean',
      'date',
      'time(3) without time zone',
      'time with time zone',
      'timestamp without time zone',
      'timestamp(3) without time zone',
      'timestamp with time zone',
      'timestamp(0) with time zone',
      'interval',
      'interval year',
      'json',
      'jsonb',
      'uuid',
      'mood',
      'integer[]',
      'bigint[]',
      'text[]',
      'timestamp without time zone[]',
      'timestamp with time zone[]',
      'integer[][]',
    ].map(type);
    for (const a of pool) {
      for (const b of pool) {
        const common = commonType(a, b);
        const label = `${formatSqlType(a)} ⊔ ${formatSqlType(b)} = ${formatSqlType(common)}`;
        expect(widens(a, common), label).toBe(true);
        expect(widens(b, common), label).toBe(true);
        if (widens(b, a)) expect(formatSqlType(common), label).toBe(formatSqlType(a));
      }
    }
  });
});

describe('the suggested migration', () => {
  it('converts timestamps and dates as UTC, explicitly', () => {
    expect(
      wideningMigration('events', [
        { column: 'at', from: type('timestamp'), to: type('timestamptz') },
        { column: 'day', from: type('date'), to: type('timestamptz(3)') },
      ]),
    ).toBe(
      'ALTER TABLE analytics_raw."events" ' +
        `ALTER COLUMN "at" TYPE timestamp with time zone USING ("at" AT TIME ZONE 'UTC')::timestamp with time zone, ` +
        `ALTER COLUMN "day" TYPE timestamp(3) with time zone USING ("day"::timestamp without time zone AT TIME ZONE 'UTC')::timestamp(3) with time zone`,
    );
  });

  it('pins the session settings when the conversion goes through a text form they change', () => {
    const pinned =
      "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'; SET LOCAL IntervalStyle = 'postgres'; " +
      "SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'; ";
    for (const from of ['timestamptz', 'real', 'interval', 'bytea', 'mood', 'timestamptz[]']) {
      const to = from.endsWith('[]') ? 'text[]' : 'text';
      expect(wideningMigration('t', [{ column: 'c', from: type(from), to: type(to) }]), from).toBe(
        `${pinned}ALTER TABLE analytics_raw."t" ALTER COLUMN "c" TYPE ${to} USING "c"::${to}`,
      );
    }
    expect(wideningMigration('t', [{ column: 'c', from: undefined, to: type('text') }])).toMatch(
      /^SET LOCAL/,
    );
    for (const from of ['integer', 'uuid', 'character varying(5)', 'numeric(8,2)', 'boolean']) {
      expect(wideningMigration('t', [{ column: 'c', from: type(from), to: type('text') }]), from).toBe(
        'ALTER TABLE analytics_raw."t" ALTER COLUMN "c" TYPE text USING "c"::text',
      );
    }
    expect(
      wideningMigration('t', [{ column: 'c', from: type('real'), to: type('double precision') }]),
    ).not.toMatch(/SET LOCAL/);
  });

  it('quotes every identifier', () => {
    expect(
      wideningMigration('Odd "table"', [
        { column: 'a"; DROP TABLE x; --', from: type('int'), to: type('bigint') },
      ]),
    ).toBe(
      'ALTER TABLE analytics_raw."Odd ""table""" ALTER COLUMN "a""; DROP TABLE x; --" TYPE bigint USING "a""; DROP TABLE x; --"::bigint',
    );
  });
});

describe('reconcile', () => {
  const shape: RawTableShape = {
    table: 'events',
    conflictColumns: ['id'],
    deletes: 'soft',
    columns: [
      { name: 'id', sqlType: 'bigint' },
      { name: 'qty', sqlType: 'bigint' },
      { name: 'at', sqlType: 'timestamp with time zone' },
      { name: 'note', sqlType: 'text' },
      { name: 'code', sqlType: 'integer' },
    ],
  };

  it('applies older and narrower writer types as they are, and adds new columns with the parsed type', () => {
    expect(
      reconcile(shape, [
        { column: 'id', sqlType: 'bigint' },
        { column: 'qty', sqlType: 'integer' },
        { column: 'at', sqlType: 'timestamp without time zone' },
        { column: 'note', sqlType: 'some type; DROP TABLE x' }, // raw text takes any text form
        { column: 'code', sqlType: undefined }, // a schema from an older reader
        { column: 'added', sqlType: 'varchar(10)' },
        { column: 'kind', sqlType: 'public.mood' },
      ]),
    ).toEqual({
      kind: 'compatible',
      add: [
        { name: 'added', sqlType: 'character varying(10)' },
        { name: 'kind', sqlType: '"public"."mood"' },
      ],
    });
  });

  it('pauses on a real loss with a migration to the common type, naming columns and types only', () => {
    const verdict = reconcile(shape, [
      { column: 'code', sqlType: 'text' },
      { column: 'at', sqlType: 'date' },
      { column: 'qty', sqlType: 'numeric(30,2)' },
    ]);
    expect(verdict.kind).toBe('incompatible');
    const reason = verdict.kind === 'incompatible' ? verdict.reason : '';
    expect(reason).toContain(
      'column "code": text in the writer schema does not fit integer in analytics_raw."events" without loss',
    );
    expect(reason).toContain(
      'Migration: ALTER TABLE analytics_raw."events" ALTER COLUMN "code" TYPE text USING "code"::text, ' +
        'ALTER COLUMN "qty" TYPE numeric(30,2) USING "qty"::numeric(30,2)',
    );
    expect(reason).not.toContain('"at"'); // date fits timestamptz
  });

  it('never repeats nor adds a writer type that is not a type name', () => {
    const hostile = 'integer; DROP TABLE analytics_raw.events';
    const verdict = reconcile(shape, [
      { column: 'code', sqlType: hostile },
      { column: 'added', sqlType: `text); DROP TABLE x; --` },
    ]);
    expect(verdict.kind).toBe('incompatible');
    const reason = verdict.kind === 'incompatible' ? verdict.reason : '';
    expect(reason).not.toContain('DROP');
    expect(reason).toContain(
      `column "code": a cdc.sqlType that is not a type name (${hostile.length} characters)`,
    );
    expect(reason).toContain('new column "added" has a cdc.sqlType that is not a type name');
    expect(reason).toContain('ALTER COLUMN "code" TYPE text USING "code"::text');
  });
});
