/**
 * `cdc pause` and `cdc resume` as real processes against a scratch analytics database: the cdc.table_state row
 * the sinks follow, the audit row, and the NOTIFY the sinks listen for (received here on a second connection).
 * A schema-caused pause (a row with schema_version, as the sink writes it) is kept by a pause and refused by a
 * resume unless forced.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tableStateChannel } from '../../lib/cursor/table-state.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { type CliResult, runCdc } from '../support/cdc-cli.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { uniqueName } from '../support/names.ts';

const prefix = uniqueName('pause');
const partners = `${prefix}.public.partners`;
const missions = `${prefix}.public.missions`;
const widgets = `${prefix}.public.widgets`;
const actor = 'pause-test-operator';
const schemaReason =
  'column budget is now bigint at the source but integer in analytics_raw.widgets: write a migration';

let analytics: ScratchDatabase;
let db: pg.Client;
let listener: pg.Client;
const notifications: string[] = [];

function cdc(args: string[]): Promise<CliResult> {
  return runCdc(
    args,
    {
      DATABASE_URL_ANALYTICS: analytics.url('DATABASE_URL_ANALYTICS'),
      KAFKA_TOPIC_PREFIX: prefix,
      CDC_ACTOR: actor,
      LOG_LEVEL: 'warn',
    },
    60_000,
  );
}

async function stateOf(topic: string) {
  const { rows } = await db.query(
    'SELECT raw_table, status, reason, schema_version FROM cdc.table_state WHERE topic = $1',
    [topic],
  );
  return rows[0];
}

async function actions() {
  const { rows } = await db.query(
    'SELECT action, actor, consumer_group, topic, details FROM cdc.operator_actions ORDER BY id',
  );
  return rows;
}

/** A NOTIFY is delivered at its transaction's commit, before the CLI exits; a moment for it to arrive here. */
async function notified(topic: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!notifications.includes(topic)) {
    if (Date.now() > deadline) throw new Error(`no ${tableStateChannel} notification for ${topic}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Nothing announced: wait as long as a notification would take to arrive, then check. */
async function notNotified(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(notifications).toEqual([]);
}

describe('cdc pause and cdc resume', () => {
  beforeAll(async () => {
    analytics = await createScratchDatabase('pause_command', ['cdc_sink']);
    const url = analytics.url('DATABASE_URL_ANALYTICS');
    const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    db = new pg.Client({ connectionString: url });
    await db.connect();
    listener = new pg.Client({ connectionString: url });
    await listener.connect();
    listener.on('notification', (message) => {
      if (message.channel === tableStateChannel) notifications.push(message.payload ?? '');
    });
    await listener.query(`LISTEN ${tableStateChannel}`);
  }, 120_000);

  afterAll(async () => {
    await listener?.end();
    await db?.end();
    await analytics?.drop();
  }, 60_000);

  beforeEach(() => {
    notifications.length = 0;
  });

  it('shows its help (exit 0)', async () => {
    const pause = await cdc(['pause', '--help']);
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toMatch(/^Usage: cdc pause <table>/);
    expect(pause.stdout).toContain('Exit codes:');
    const resume = await cdc(['resume', '--help']);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stdout).toMatch(/^Usage: cdc resume <table>/);
  });

  it('refuses no table, an unknown one or an unknown option (exit 64), and changes nothing', async () => {
    const unknown = await cdc(['pause', 'nope']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no connector captures nope (connectors: partners, missions, widgets');
    const none = await cdc(['pause']);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('expects a table');
    const unknownResume = await cdc(['resume', `${prefix}.public.nope`]);
    expect(unknownResume.code).toBe(64);
    const typo = await cdc(['resume', 'partners', '--forse']);
    expect(typo.code).toBe(64);
    expect((await db.query('SELECT 1 FROM cdc.table_state')).rowCount).toBe(0);
    expect(await actions()).toEqual([]);
  });

  it('pauses a table: the row with its reason, the audit row and a notification of its topic', async () => {
    const result = await cdc(['pause', 'partners', '--reason', 'backfill\n first']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Paused partners (${partners}): paused by ${actor}: backfill first`);
    expect(await stateOf(partners)).toEqual({
      raw_table: 'partners',
      status: 'paused',
      reason: `paused by ${actor}: backfill first`,
      schema_version: null,
    });
    expect(await actions()).toEqual([
      {
        action: 'pause',
        actor,
        consumer_group: null,
        topic: partners,
        details: {
          table: 'partners',
          rawTable: 'partners',
          reason: `paused by ${actor}: backfill first`,
          previousStatus: null,
        },
      },
    ]);
    await notified(partners);
    expect(notifications).toEqual([partners]);
  });

  it('says a table is already paused (exit 0) and changes, records and announces nothing', async () => {
    const again = await cdc(['pause', partners, '--reason', 'another reason']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`partners (${partners}) is already paused since`);
    expect(again.stdout).toContain('Nothing changed.');
    expect((await stateOf(partners))?.reason).toBe(`paused by ${actor}: backfill first`);
    expect(await actions()).toHaveLength(1);
    await notNotified();
  });

  it('pauses by topic, clearing a schema version a resumed schema pause left behind', async () => {
    // As the sink leaves a row once it resumed a schema pause: active, schema_version still set.
    await db.query(
      `INSERT INTO cdc.table_state (topic, raw_table, status, schema_version) VALUES ($1, 'missions', 'active', 4)`,
      [missions],
    );
    const result = await cdc(['pause', missions, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      outcome: 'paused',
      table: 'missions',
      topic: missions,
      actor,
      state: { status: 'paused', pausedBy: 'operator', reason: `paused by ${actor}`, schemaVersion: null },
      operatorActionId: expect.any(Number),
    });
    expect(await stateOf(missions)).toMatchObject({ status: 'paused', schema_version: null });
    await notified(missions);
  });

  it('lists the paused tables', async () => {
    const listed = await cdc(['pause', '--list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`partners +${partners} +\\S+ +operator +paused by ${actor}: backfill first`),
    );
    expect(listed.stdout).toContain('2 paused table(s).');
    const json = await cdc(['pause', '--list', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { paused: { table: string; topic: string }[] };
    expect(report.paused.map((state) => state.table)).toEqual(['missions', 'partners']);
    const withTable = await cdc(['pause', '--list', 'partners']);
    expect(withTable.code).toBe(64);
  });

  it('resumes a table: active again, the pause it ended in the audit row, and a notification', async () => {
    const result = await cdc(['resume', 'partners']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Resumed partners (${partners}), paused since`);
    expect(await stateOf(partners)).toEqual({
      raw_table: 'partners',
      status: 'active',
      reason: null,
      schema_version: null,
    });
    expect((await actions()).at(-1)).toEqual({
      action: 'resume',
      actor,
      consumer_group: null,
      topic: partners,
      details: {
        table: 'partners',
        rawTable: 'partners',
        force: false,
        pause: {
          reason: `paused by ${actor}: backfill first`,
          schemaVersion: null,
          since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      },
    });
    await notified(partners);

    const count = (await actions()).length;
    notifications.length = 0;
    const again = await cdc(['resume', 'partners']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`partners (${partners}) is not paused. Nothing changed.`);
    expect(await actions()).toHaveLength(count);
    await notNotified();
  });

  describe('a pause the sink made for an incompatible schema change', () => {
    beforeAll(async () => {
      await db.query(
        `INSERT INTO cdc.table_state (topic, raw_table, status, reason, schema_version)
         VALUES ($1, 'widgets', 'paused', $2, 7)`,
        [widgets, schemaReason],
      );
    });

    it('is kept as it is by a pause (exit 0), which says it resumes once migrated', async () => {
      const count = (await actions()).length;
      const result = await cdc(['pause', 'widgets', '--reason', 'hold it']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('is already paused by the sink since');
      expect(result.stdout).toContain('incompatible schema change (writer schema 7)');
      expect(result.stdout).toContain('It resumes by itself once analytics_raw.widgets is migrated');
      expect(await stateOf(widgets)).toEqual({
        raw_table: 'widgets',
        status: 'paused',
        reason: schemaReason,
        schema_version: 7,
      });
      expect(await actions()).toHaveLength(count);
      await notNotified();
    });

    it('is refused by a resume without --force (exit 1), saying what to do', async () => {
      const count = (await actions()).length;
      const result = await cdc(['resume', 'widgets']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('incompatible schema change (writer schema 7)');
      expect(result.stderr).toContain(schemaReason);
      expect(result.stderr).toContain('npm run db:migrate');
      expect(result.stderr).toContain('resumes the table by itself');
      expect(result.stderr).toContain('--force');
      expect((await stateOf(widgets))?.status).toBe('paused');
      expect(await actions()).toHaveLength(count);
      await notNotified();

      const json = await cdc(['resume', 'widgets', '--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        outcome: 'refused',
        state: { pausedBy: 'schema', schemaVersion: 7 },
      });
    });

    it('is resumed with --force, the schema pause it ended in the audit row', async () => {
      const result = await cdc(['resume', 'widgets', '--force']);
      expect(result.code, result.stderr).toBe(0);
      expect(await stateOf(widgets)).toEqual({
        raw_table: 'widgets',
        status: 'active',
        reason: null,
        schema_version: null,
      });
      expect((await actions()).at(-1)).toMatchObject({
        action: 'resume',
        topic: widgets,
        details: { force: true, pause: { reason: schemaReason, schemaVersion: 7 } },
      });
      await notified(widgets);
    });
  });
});
