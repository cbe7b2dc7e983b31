/**
 * Publication sync on a real PostgreSQL 15 with the demo core schema: exactly the connectors' tables and
 * column lists (excluded columns never published), re-sync after a connector change, the DBA path when the
 * reader's role may not, and the replica-identity guard that protects the product's own UPDATEs.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConnector } from '../../connectors/define.ts';
import { allConnectors } from '../../connectors/index.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { PublicationPrivilegeError, syncPublication } from '../../lib/source/publication.ts';
import type { ScratchDatabase } from '../support/databases.ts';
import { uniqueName } from '../support/names.ts';
import { connect, createCoreScratch } from './core-scratch.ts';

const allColumns = {
  missions: [
    'id',
    'publisher_id',
    'client_id',
    'title',
    'description',
    'status',
    'domain',
    'domains',
    'tags',
    'address',
    'metadata',
    'places',
    'min_age',
    'compensation',
    'is_remote',
    'start_date',
    'end_date',
    'daily_start_time',
    'weekly_commitment',
    'published_at',
    'created_at',
    'updated_at',
  ],
  widgets: [
    'id',
    'public_id',
    'diffuser_id',
    'name',
    'color',
    'style',
    'mission_type',
    'location',
    'max_distance_km',
    'is_active',
    'created_at',
    'updated_at',
  ],
  widget_missions: ['widget_id', 'mission_id', 'position', 'added_at'],
  campaigns: [
    'id',
    'public_id',
    'name',
    'from_publisher_id',
    'to_publisher_id',
    'kind',
    'url',
    'budget',
    'spent',
    'starts_on',
    'ends_on',
    'is_active',
    'created_at',
    'updated_at',
  ],
};

const expectedColumns: Record<string, string[]> = {
  partners: [
    'id',
    'public_id',
    'name',
    'website_url',
    'is_announcer',
    'is_diffuser',
    'commission_rate',
    'logo_thumbnail',
    'created_at',
    'updated_at',
  ],
  ...allColumns,
  stat_events: [
    'id',
    'type',
    'source',
    'source_id',
    'from_publisher_id',
    'to_publisher_id',
    'mission_id',
    'mission_client_id',
    'widget_id',
    'campaign_id',
    'click_id',
    'host',
    'user_fingerprint',
    'is_bot',
    'custom_attributes',
    'created_at',
    'updated_at',
  ],
};

async function publishedColumns(client: pg.Client, publication: string): Promise<Record<string, string[]>> {
  const result = await client.query<{ tablename: string; attnames: string[] }>(
    'SELECT tablename::text, attnames::text[] FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename',
    [publication],
  );
  return Object.fromEntries(result.rows.map((row) => [row.tablename, row.attnames]));
}

describe('publication sync', () => {
  let database: ScratchDatabase;
  let owner: pg.Client;
  let reader: pg.Client;
  const publication = uniqueName('pub');

  beforeAll(async () => {
    database = await createCoreScratch('setup_pub');
    owner = await connect(database.url('DATABASE_URL_CORE_OWNER'));
    reader = await connect(database.url('DATABASE_URL_CORE'));
  });

  afterAll(async () => {
    await reader?.end();
    await owner?.end();
    await database?.drop();
  });

  it('creates the publication with exactly the connectors’ tables and column lists', async () => {
    const first = await syncPublication(owner, { publication, connectors: allConnectors });
    expect(first).toMatchObject({ applied: true, plan: { action: 'create' } });

    const published = await publishedColumns(reader, publication);
    expect(published).toEqual(Object.fromEntries(Object.entries(expectedColumns).sort()));
    for (const column of ['ip', 'user_agent', 'referer']) expect(published.stat_events).not.toContain(column);
    expect(published.partners).not.toContain('email');

    const flags = await reader.query(
      'SELECT pubinsert, pubupdate, pubdelete, pubtruncate, puballtables FROM pg_publication WHERE pubname = $1',
      [publication],
    );
    expect(flags.rows[0]).toEqual({
      pubinsert: true,
      pubupdate: true,
      pubdelete: true,
      pubtruncate: true,
      puballtables: false,
    });

    // Tables without exclusions have no column list, so a column added later is published without a change.
    const lists = await reader.query<{ relname: string; has_list: boolean }>(
      `SELECT c.relname::text, pr.prattrs IS NOT NULL AS has_list FROM pg_publication_rel pr
         JOIN pg_publication p ON p.oid = pr.prpubid JOIN pg_class c ON c.oid = pr.prrelid
        WHERE p.pubname = $1 ORDER BY 1`,
      [publication],
    );
    expect(lists.rows.filter((row) => row.has_list).map((row) => row.relname)).toEqual([
      'partners',
      'stat_events',
    ]);

    const second = await syncPublication(owner, { publication, connectors: allConnectors });
    expect(second).toMatchObject({ applied: false, plan: { action: 'none', statements: [] } });
  });

  it('re-syncs after a connector change: a newly excluded column disappears, and comes back', async () => {
    const stricter = allConnectors.map((connector) =>
      connector.name === 'partners'
        ? defineConnector({ ...connector, columns: { mode: 'all', exclude: ['email', 'website_url'] } })
        : connector,
    );
    const result = await syncPublication(owner, { publication, connectors: stricter });
    expect(result.plan.differences).toEqual([
      'public.partners publishes (id, public_id, name, website_url, is_announcer, is_diffuser, commission_rate, logo_thumbnail, created_at, updated_at); expected (id, public_id, name, is_announcer, is_diffuser, commission_rate, logo_thumbnail, created_at, updated_at)',
    ]);
    const published = await publishedColumns(reader, publication);
    expect(published.partners).not.toContain('website_url');
    expect(published.stat_events).toEqual(expectedColumns.stat_events);

    await syncPublication(owner, { publication, connectors: allConnectors });
    expect((await publishedColumns(reader, publication)).partners).toEqual(expectedColumns.partners);
  });

  it('tells the reader role exactly which SQL a table owner must run, and that SQL works', async () => {
    const dbaPublication = `${publication}_dba`;
    let error: unknown;
    try {
      await syncPublication(reader, { publication: dbaPublication, connectors: allConnectors });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PublicationPrivilegeError);
    const sql = (error as PublicationPrivilegeError).sql;
    expect(sql).toMatch(
      new RegExp(`^CREATE PUBLICATION "${dbaPublication}" FOR TABLE "public"\\."partners" \\(`),
    );
    expect((error as Error).message).toMatch(/role cdc_reader may not change publication/);

    await owner.query(sql);
    // Once the DBA has run it, the reader finds nothing to change and starts without the privilege.
    const after = await syncPublication(reader, { publication: dbaPublication, connectors: allConnectors });
    expect(after).toMatchObject({ applied: false, plan: { action: 'none' } });
    await owner.query(`DROP PUBLICATION "${dbaPublication}"`);
  });

  it('refuses a column list that would not cover REPLICA IDENTITY FULL (PostgreSQL would reject UPDATEs)', async () => {
    const partner = await owner.query<{ id: string }>(
      `INSERT INTO partners (name) VALUES ('p') RETURNING id`,
    );
    const id = partner.rows[0]?.id;
    await owner.query(
      `INSERT INTO stat_events (type, source, from_publisher_id, to_publisher_id) VALUES ('click', 'api', $1, $1)`,
      [id],
    );
    await owner.query('ALTER TABLE stat_events REPLICA IDENTITY FULL');
    try {
      // What the guard prevents: with the column list in place, the product's own UPDATE fails.
      await expect(owner.query('UPDATE stat_events SET is_bot = true')).rejects.toThrow(
        /cannot update table "stat_events"/,
      );
      const other = `${publication}_full`;
      await expect(syncPublication(owner, { publication: other, connectors: allConnectors })).rejects.toThrow(
        /stat_events would not cover its replica identity \(full\)/,
      );
      const exists = await owner.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [other]);
      expect(exists.rowCount).toBe(0);
    } finally {
      await owner.query('ALTER TABLE stat_events REPLICA IDENTITY DEFAULT');
    }
    await owner.query('UPDATE stat_events SET is_bot = true');
  });

  it('refuses connectors whose table or columns do not exist', async () => {
    const ghost: ConnectorDefinition = defineConnector({
      name: 'ghosts',
      source: { schema: 'public', table: 'ghosts' },
      destination: { table: 'ghosts' },
    });
    await expect(
      syncPublication(owner, { publication, connectors: [...allConnectors, ghost] }),
    ).rejects.toThrow(/connector ghosts: table public\.ghosts does not exist/);
    // An exclusion that no longer matches (a renamed personal column) must not silently publish the new name.
    const stale = allConnectors.map((connector) =>
      connector.name === 'partners'
        ? defineConnector({ ...connector, columns: { mode: 'all', exclude: ['email_address'] } })
        : connector,
    );
    await expect(syncPublication(owner, { publication, connectors: stale })).rejects.toThrow(
      /connector partners: excluded column "email_address" does not exist: if it was renamed/,
    );
  });
});
