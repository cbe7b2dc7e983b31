/**
 * The session decodes pgoutput into the change model with exact text values, against the real PostgreSQL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RowChange, unchangedToast } from '../../../services/replication-reader/model.ts';
import type {
  ReplicationMessage,
  ReplicationSession,
} from '../../../services/replication-reader/replication/index.ts';
import {
  changesOf,
  collect,
  commitCount,
  createReplicationFixture,
  type ReplicationFixture,
} from './fixture.ts';

describe('replication session decoding', () => {
  let fixture: ReplicationFixture;
  let session: ReplicationSession;
  let messages: ReplicationMessage[];
  let changes: RowChange[];
  let body: string;

  beforeAll(async () => {
    fixture = await createReplicationFixture(
      'repl_decode',
      ({ publication, database }) => `
        -- Defaults that would garble text values: the session's own settings must win over them.
        ALTER DATABASE ${database} SET TimeZone = 'America/New_York';
        ALTER DATABASE ${database} SET DateStyle = 'SQL, DMY';
        ALTER DATABASE ${database} SET extra_float_digits = 0;
        CREATE TABLE missions (
          id bigint PRIMARY KEY, title text NOT NULL, body text, starts_at timestamptz, day date,
          budget numeric(12,2), ratio float8, tags text[], active boolean, local_at timestamp);
        -- EXTERNAL: stored out of line without compression, so an 8 kB+ value is surely TOASTed.
        ALTER TABLE missions ALTER COLUMN body SET STORAGE EXTERNAL;
        CREATE TABLE audits (id int PRIMARY KEY, note text, body text);
        ALTER TABLE audits REPLICA IDENTITY FULL;
        ALTER TABLE audits ALTER COLUMN body SET STORAGE EXTERNAL;
        GRANT SELECT ON missions, audits TO cdc_reader;
        CREATE PUBLICATION ${publication} FOR TABLE missions, audits;`,
    );
    const { owner } = fixture;
    body = `${'x'.repeat(9000)}end`;
    // Every statement is its own transaction; the slot keeps them until the session reads them.
    await owner.query(
      `INSERT INTO missions VALUES (9007199254740993, 'Tutor', $1, '2026-11-21 10:00:00.123456+00',
         '2026-11-21', 1234.50, 0.30000000000000004, '{a,"b c"}', true, '2026-11-21 10:00:00.5')`,
      [body],
    );
    await owner.query(`UPDATE missions SET title = 'Mentor' WHERE id = 9007199254740993`);
    await owner.query(`UPDATE missions SET id = 2 WHERE id = 9007199254740993`);
    await owner.query(`DELETE FROM missions WHERE id = 2`);
    await owner.query(`INSERT INTO audits VALUES (1, 'first', $1)`, [body]);
    await owner.query(`UPDATE audits SET note = 'second' WHERE id = 1`);
    await owner.query(`DELETE FROM audits WHERE id = 1`);
    await owner.query(`TRUNCATE missions, audits RESTART IDENTITY`);
    await owner.query(`ALTER TABLE missions ADD COLUMN extra int`);
    await owner.query(
      `INSERT INTO missions (id, title, extra, starts_at) VALUES (3, 'After', 7, '1999-12-31 23:59:59.999999+00')`,
    );

    session = await fixture.started(fixture.createdAt);
    messages = await collect(session, (read) => commitCount(read) >= 9);
    changes = changesOf(messages);
  });

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('keeps every value in PostgreSQL text form, exactly, whatever the database defaults', async () => {
    const plain = new pg.Client({ connectionString: fixture.database.url('DATABASE_URL_CORE') });
    await plain.connect();
    const defaults = await plain.query(
      `SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds, 0.30000000000000004::float8::text AS f`,
    );
    await plain.end();
    // The defaults are hostile indeed: a connection without the session settings sees them.
    expect(defaults.rows[0]).toEqual({ tz: 'America/New_York', ds: 'SQL, DMY', f: '0.3' });

    const insert = changes[0];
    expect(insert?.op).toBe('c');
    if (insert?.op !== 'c') return;
    expect(insert.table).toMatchObject({ schema: 'public', table: 'missions' });
    expect(insert.after).toEqual({
      id: '9007199254740993',
      title: 'Tutor',
      body,
      starts_at: '2026-11-21 10:00:00.123456+00',
      day: '2026-11-21',
      budget: '1234.50',
      ratio: '0.30000000000000004',
      tags: '{a,"b c"}',
      active: 't',
      local_at: '2026-11-21 10:00:00.5',
    });
  });

  it('marks an untouched TOASTed value as unchanged, never as null', () => {
    const update = changes[1];
    expect(update?.op).toBe('u');
    if (update?.op !== 'u') return;
    expect(update.before).toBeNull();
    expect(update.after.title).toBe('Mentor');
    expect(update.after.body).toBe(unchangedToast);
    expect(update.after.day).toBe('2026-11-21');
  });

  it('gives the old key as before when the key changes, and on delete', () => {
    const keyChange = changes[2];
    expect(keyChange?.op).toBe('u');
    if (keyChange?.op !== 'u') return;
    expect(keyChange.before).toEqual({ id: '9007199254740993' });
    expect(keyChange.after.id).toBe('2');
    const deletion = changes[3];
    expect(deletion).toMatchObject({ op: 'd', before: { id: '2' } });
  });

  it('gives the whole old row with REPLICA IDENTITY FULL', () => {
    const [, , , , insert, update, deletion] = changes;
    expect(insert).toMatchObject({ op: 'c', table: { table: 'audits' } });
    expect(update?.op).toBe('u');
    if (update?.op !== 'u') return;
    expect(update.before).toEqual({ id: '1', note: 'first', body });
    // The new tuple says "unchanged" for body; the old tuple has it, so the value is known.
    expect(update.after).toEqual({ id: '1', note: 'second', body });
    expect(deletion).toMatchObject({ op: 'd', before: { id: '1', note: 'second', body } });
  });

  it('turns a multi-table TRUNCATE into one change per table', () => {
    const truncates = changes.filter((change) => change.op === 't');
    expect(truncates.map((change) => change.table.table).sort()).toEqual(['audits', 'missions']);
    for (const truncate of truncates) {
      expect(truncate).toMatchObject({ cascade: false, restartIdentity: true });
    }
    expect(truncates[0]?.position).toEqual(truncates[1]?.position);
  });

  it('frames changes in transactions with commit LSN, xid and commit time', () => {
    let open: Extract<ReplicationMessage, { kind: 'begin' }> | undefined;
    let previousEnd = 0n;
    for (const message of messages) {
      if (message.kind === 'begin') {
        expect(open).toBeUndefined();
        expect(message.commitLsn).toBeGreaterThanOrEqual(previousEnd);
        expect(Math.abs(Number(message.commitTimeMicros / 1000n) - Date.now())).toBeLessThan(120_000);
        open = message;
      } else if (message.kind === 'change') {
        expect(open).toBeDefined();
        expect(message.change.position).toMatchObject({
          commitLsn: open?.commitLsn,
          xid: open?.xid,
          commitTimeMicros: open?.commitTimeMicros,
        });
        expect(message.change.position.lsn).toBeLessThan(open?.commitLsn ?? 0n);
      } else if (message.kind === 'commit') {
        expect(message).toMatchObject({ xid: open?.xid, commitLsn: open?.commitLsn });
        expect(message.commitEndLsn).toBeGreaterThan(message.commitLsn);
        expect(message.lsn).toBe(message.commitEndLsn);
        previousEnd = message.commitEndLsn;
        open = undefined;
      }
    }
    expect(open).toBeUndefined();
  });

  it('describes relations, and flags a described relation whose columns changed', () => {
    const relations = messages.filter((message) => message.kind === 'relation');
    const missions = relations.filter((message) => message.relation.table === 'missions');
    expect(missions[0]).toMatchObject({
      changed: true,
      relation: { keyColumns: ['id'], replicaIdentity: 'default' },
    });
    const last = missions.at(-1);
    expect(last?.changed).toBe(true);
    expect(last?.relation.columns.map((column) => column.name)).toContain('extra');
    const audits = relations.find((message) => message.relation.table === 'audits');
    expect(audits?.relation.replicaIdentity).toBe('full');
    const after = changes.at(-1);
    expect(after).toMatchObject({
      op: 'c',
      after: { id: '3', extra: '7', body: null, starts_at: '1999-12-31 23:59:59.999999+00' },
    });
  });
});
