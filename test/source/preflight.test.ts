/**
 * Preflight against a real PostgreSQL, run as the reader role: a correct setup has no failure; a table dropped
 * from the publication and an excluded column that gets published are caught, and the printed fix, run by the
 * table owner, clears them.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allConnectors } from '../../connectors/index.ts';
import { type Finding, runPreflight } from '../../lib/source/preflight.ts';
import { syncPublication } from '../../lib/source/publication.ts';
import { ensureSlot } from '../../lib/source/slot.ts';
import type { ScratchDatabase } from '../support/databases.ts';
import { uniqueName } from '../support/names.ts';
import { connect, createCoreScratch, dropSlots } from './core-scratch.ts';

const env = { CDC_PSEUDONYMISATION_KEY: 'k'.repeat(40) };

describe('preflight on a real database', () => {
  let database: ScratchDatabase;
  let owner: pg.Client;
  let reader: pg.Client;
  const publicationName = uniqueName('pub');
  const slotName = uniqueName('slot');
  const expectations = { slotName, publicationName, connectors: allConnectors };
  const failures = (findings: Finding[]) => findings.filter((finding) => finding.status === 'fail');
  const byCheck = (findings: Finding[], check: string) => findings.find((finding) => finding.check === check);

  beforeAll(async () => {
    database = await createCoreScratch('setup_preflight');
    owner = await connect(database.url('DATABASE_URL_CORE_OWNER'));
    reader = await connect(database.url('DATABASE_URL_CORE'));
    await syncPublication(owner, { publication: publicationName, connectors: allConnectors });
    await ensureSlot(reader, slotName);
  });

  afterAll(async () => {
    await dropSlots(reader, [slotName]);
    await reader?.end();
    await owner?.end();
    await database?.drop();
  });

  it('finds no failure on a correct setup', async () => {
    const findings = await runPreflight(reader, expectations, env);
    expect(failures(findings)).toEqual([]);
    expect(byCheck(findings, 'server.wal_level')).toMatchObject({
      status: 'ok',
      detail: 'wal_level = logical',
    });
    expect(byCheck(findings, 'role.replication')?.status).toBe('ok');
    expect(byCheck(findings, 'publication.tables')?.detail).toBe('exactly the 6 captured table(s)');
    expect(byCheck(findings, 'publication.privacy public.stat_events')?.status).toBe('ok');
    expect(byCheck(findings, 'table.replica_identity public.widget_missions')).toMatchObject({
      status: 'ok',
      detail: 'REPLICA IDENTITY DEFAULT (widget_id, mission_id)',
    });
    expect(byCheck(findings, 'slot.exists')?.status).toBe('ok');
    expect(byCheck(findings, 'slot.wal_status')).toMatchObject({
      status: 'ok',
      detail: 'wal_status = reserved',
    });
  });

  it('reports a captured table missing from the publication, with SQL that fixes it', async () => {
    await owner.query(`ALTER PUBLICATION "${publicationName}" DROP TABLE widgets`);
    const findings = await runPreflight(reader, expectations, env);
    const tables = byCheck(findings, 'publication.tables');
    expect(tables).toMatchObject({ status: 'fail', detail: 'missing: public.widgets' });
    expect(failures(findings).map((finding) => finding.check)).toEqual(['publication.tables']);

    await owner.query(tables?.fix ?? '');
    expect(failures(await runPreflight(reader, expectations, env))).toEqual([]);
  });

  it('reports a published excluded column as a privacy failure, with SQL that fixes it', async () => {
    // Re-adding the table without a column list publishes every column, ip and user_agent included.
    await owner.query(`ALTER PUBLICATION "${publicationName}" DROP TABLE stat_events`);
    await owner.query(`ALTER PUBLICATION "${publicationName}" ADD TABLE stat_events`);
    const findings = await runPreflight(reader, expectations, env);
    const privacy = byCheck(findings, 'publication.privacy public.stat_events');
    expect(privacy?.status).toBe('fail');
    expect(privacy?.detail).toMatch(/PRIVACY: excluded column\(s\) ip, user_agent, referer are published/);

    await owner.query(privacy?.fix ?? '');
    const after = await runPreflight(reader, expectations, env);
    expect(failures(after)).toEqual([]);
    expect(byCheck(after, 'publication.privacy public.stat_events')?.status).toBe('ok');
  });

  it('reports a missing publication and a missing grant', async () => {
    await owner.query('REVOKE SELECT ON campaigns FROM cdc_reader');
    try {
      const findings = await runPreflight(
        reader,
        { ...expectations, publicationName: `${publicationName}_none` },
        env,
      );
      expect(byCheck(findings, 'publication.exists')).toMatchObject({ status: 'fail' });
      expect(byCheck(findings, 'publication.exists')?.fix).toMatch(/^CREATE PUBLICATION/);
      const grant = byCheck(findings, 'privilege.select public.campaigns');
      expect(grant?.status).toBe('fail');
      await owner.query(grant?.fix ?? '');
      const after = await runPreflight(reader, expectations, env);
      expect(byCheck(after, 'privilege.select public.campaigns')?.status).toBe('ok');
    } finally {
      await owner.query('GRANT SELECT ON campaigns TO cdc_reader');
    }
  });
});
