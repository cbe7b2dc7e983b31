/** Preflight judgement over fabricated facts: each broken fact yields a finding that says why and how to fix. */
import { describe, expect, it } from 'vitest';
import { evaluatePreflight, type Finding, type PreflightFacts } from '../../lib/source/preflight.ts';
import { expectations, goodFacts } from './fabricated-facts.ts';

function findingsAfter(mutate: (facts: PreflightFacts) => void): Finding[] {
  const facts = goodFacts();
  mutate(facts);
  return evaluatePreflight(facts, expectations);
}

function finding(findings: Finding[], check: string): Finding {
  const found = findings.find((candidate) => candidate.check === check);
  if (!found) throw new Error(`no finding ${check} in: ${findings.map((item) => item.check).join(', ')}`);
  return found;
}

const table = (facts: PreflightFacts, name: string) => {
  const found = facts.tables.find((candidate) => candidate.table === name);
  if (!found) throw new Error(name);
  return found;
};

describe('evaluatePreflight', () => {
  it('finds nothing wrong with a correct setup', () => {
    const findings = evaluatePreflight(goodFacts(), expectations);
    expect(findings.filter((item) => item.status !== 'ok')).toEqual([]);
    expect(findings.every((item) => item.fix === null)).toBe(true);
    expect(findings.map((item) => item.check)).toEqual(
      expect.arrayContaining([
        'server.wal_level',
        'role.replication',
        'table.replica_identity public.accounts',
        'publication.privacy public.accounts',
        'publication.columns public.orders',
        'slot.wal_status',
        'slot.lag',
      ]),
    );
  });

  const scenarios: {
    name: string;
    mutate: (facts: PreflightFacts) => void;
    check: string;
    status: 'warn' | 'fail';
    fix: RegExp;
    detail?: RegExp;
  }[] = [
    {
      name: 'wal_level replica',
      mutate: (facts) => {
        facts.server.walLevel = 'replica';
      },
      check: 'server.wal_level',
      status: 'fail',
      fix: /ALTER SYSTEM SET wal_level = 'logical'/,
    },
    {
      name: 'PostgreSQL 14 (no column lists)',
      mutate: (facts) => {
        facts.server.versionNum = 140010;
      },
      check: 'server.version',
      status: 'fail',
      fix: /upgrade/,
    },
    {
      name: 'unlimited slot WAL retention',
      mutate: (facts) => {
        facts.server.maxSlotWalKeepSizeMb = -1;
      },
      check: 'server.max_slot_wal_keep_size',
      status: 'warn',
      fix: /ALTER SYSTEM SET max_slot_wal_keep_size/,
    },
    {
      name: 'no free replication slot for a new slot',
      mutate: (facts) => {
        facts.slot = null;
        facts.server.slotsInUse = 10;
      },
      check: 'server.max_replication_slots',
      status: 'fail',
      fix: /ALTER SYSTEM SET max_replication_slots = 13/,
    },
    {
      name: 'no free WAL sender while the slot is not streaming',
      mutate: (facts) => {
        if (facts.slot) facts.slot.active = false;
        facts.server.walSendersInUse = 10;
      },
      check: 'server.max_wal_senders',
      status: 'fail',
      fix: /max_wal_senders/,
    },
    {
      name: 'wal_sender_timeout disabled',
      mutate: (facts) => {
        facts.server.walSenderTimeoutMs = 0;
      },
      check: 'server.wal_sender_timeout',
      status: 'warn',
      fix: /wal_sender_timeout = '60s'/,
    },
    {
      name: 'a role without REPLICATION',
      mutate: (facts) => {
        facts.role.replication = false;
      },
      check: 'role.replication',
      status: 'fail',
      fix: /^ALTER ROLE "cdc_reader" WITH REPLICATION;$/,
    },
    {
      name: 'a missing table',
      mutate: (facts) => {
        Object.assign(table(facts, 'orders'), {
          exists: false,
          columns: [],
          primaryKey: null,
          replicaIdentity: null,
        });
      },
      check: 'table.exists public.orders',
      status: 'fail',
      fix: /connectors\/orders\.ts/,
    },
    {
      name: 'a table without any key',
      mutate: (facts) => {
        Object.assign(table(facts, 'orders'), { primaryKey: null, uniqueKeys: [] });
      },
      check: 'table.key public.orders',
      status: 'fail',
      fix: /ALTER TABLE "public"\."orders" ADD PRIMARY KEY/,
    },
    {
      name: 'REPLICA IDENTITY NOTHING',
      mutate: (facts) => {
        table(facts, 'orders').replicaIdentity = 'nothing';
      },
      check: 'table.replica_identity public.orders',
      status: 'fail',
      fix: /^ALTER TABLE "public"\."orders" REPLICA IDENTITY DEFAULT;$/,
      detail: /does not carry the key/,
    },
    {
      name: 'REPLICA IDENTITY FULL with an excluded column',
      mutate: (facts) => {
        table(facts, 'accounts').replicaIdentity = 'full';
      },
      check: 'table.replica_identity public.accounts',
      status: 'fail',
      fix: /REPLICA IDENTITY DEFAULT/,
      detail: /reject every UPDATE and DELETE/,
    },
    {
      name: 'a published column the reader cannot SELECT',
      mutate: (facts) => {
        const accounts = table(facts, 'accounts');
        accounts.columns = accounts.columns.map((column) =>
          column.name === 'fingerprint' ? { ...column, selectable: false } : column,
        );
      },
      check: 'privilege.select public.accounts',
      status: 'fail',
      fix: /^GRANT SELECT \("id", "name", "fingerprint"\) ON "public"\."accounts" TO "cdc_reader";$/,
    },
    {
      name: 'an excluded column the reader may SELECT',
      mutate: (facts) => {
        const accounts = table(facts, 'accounts');
        accounts.columns = accounts.columns.map((column) => ({ ...column, selectable: true }));
      },
      check: 'privilege.select public.accounts',
      status: 'warn',
      fix: /REVOKE SELECT ON "public"\."accounts" FROM "cdc_reader"; GRANT SELECT \("id", "name", "fingerprint"\)/,
      detail: /: ip$/,
    },
    {
      name: 'a stale exclusion (column renamed?)',
      mutate: (facts) => {
        const accounts = table(facts, 'accounts');
        accounts.columns = accounts.columns.filter((column) => column.name !== 'ip');
      },
      check: 'table.columns public.accounts',
      status: 'fail',
      fix: /column names \(columns, key\) in connectors\/accounts\.ts/,
      detail: /excluded column "ip" does not exist: if it was renamed, its new name would be published/,
    },
    {
      name: 'a stale exclusion, on the publication side (no SQL that could leak)',
      mutate: (facts) => {
        const accounts = table(facts, 'accounts');
        accounts.columns = [
          ...accounts.columns.filter((column) => column.name !== 'ip'),
          { name: 'ip_address', attnum: 9, generated: false, selectable: false },
        ];
        facts.publication = null;
      },
      check: 'publication.exists',
      status: 'fail',
      fix: /^fix the table\.columns \/ table\.key failures of accounts first/,
    },
    {
      name: 'no publication',
      mutate: (facts) => {
        facts.publication = null;
      },
      check: 'publication.exists',
      status: 'fail',
      fix: /^CREATE PUBLICATION "cdc_publication" FOR TABLE "public"\."accounts" \("id", "name", "fingerprint"\), "public"\."orders" WITH \(publish = 'insert, update, delete, truncate', publish_via_partition_root = false\);$/,
    },
    {
      name: 'a captured table missing from the publication',
      mutate: (facts) => {
        if (facts.publication) facts.publication.tables = facts.publication.tables.slice(0, 1);
      },
      check: 'publication.tables',
      status: 'fail',
      fix: /^ALTER PUBLICATION "cdc_publication" SET TABLE "public"\."accounts" \("id", "name", "fingerprint"\), "public"\."orders";$/,
      detail: /missing: public\.orders/,
    },
    {
      name: 'a published table without a connector',
      mutate: (facts) => {
        if (facts.publication)
          facts.publication.tables = [
            ...facts.publication.tables,
            { schema: 'public', table: 'secrets', columns: ['id'], hasColumnList: false, rowFilter: null },
          ];
      },
      check: 'publication.tables',
      status: 'fail',
      fix: /SET TABLE/,
      detail: /without a connector.*public\.secrets/,
    },
    {
      name: 'an excluded column that is published (privacy)',
      mutate: (facts) => {
        if (facts.publication)
          facts.publication.tables = [
            {
              schema: 'public',
              table: 'accounts',
              columns: ['id', 'name', 'ip', 'fingerprint'],
              hasColumnList: false,
              rowFilter: null,
            },
            ...facts.publication.tables.slice(1),
          ];
      },
      check: 'publication.privacy public.accounts',
      status: 'fail',
      fix: /SET TABLE "public"\."accounts" \("id", "name", "fingerprint"\)/,
      detail: /PRIVACY: excluded column\(s\) ip are published/,
    },
    {
      name: 'a captured column left out of the column list',
      mutate: (facts) => {
        if (facts.publication)
          facts.publication.tables = [
            {
              schema: 'public',
              table: 'accounts',
              columns: ['id', 'name'],
              hasColumnList: true,
              rowFilter: null,
            },
            ...facts.publication.tables.slice(1),
          ];
      },
      check: 'publication.columns public.accounts',
      status: 'fail',
      fix: /SET TABLE/,
      detail: /not published: fingerprint/,
    },
    {
      name: 'a column list where none is needed',
      mutate: (facts) => {
        if (facts.publication)
          facts.publication.tables = [
            ...facts.publication.tables.slice(0, 1),
            {
              schema: 'public',
              table: 'orders',
              columns: ['id', 'total'],
              hasColumnList: true,
              rowFilter: null,
            },
          ];
      },
      check: 'publication.columns public.orders',
      status: 'warn',
      fix: /SET TABLE .*"public"\."orders";$/,
    },
    {
      name: 'a publication without deletes',
      mutate: (facts) => {
        if (facts.publication) facts.publication.operations.delete = false;
      },
      check: 'publication.operations',
      status: 'fail',
      fix: /^ALTER PUBLICATION "cdc_publication" SET \(publish = 'insert, update, delete, truncate'/,
    },
    {
      name: 'a FOR ALL TABLES publication',
      mutate: (facts) => {
        if (facts.publication) facts.publication.allTables = true;
      },
      check: 'publication.all_tables',
      status: 'fail',
      fix: /^DROP PUBLICATION "cdc_publication";\nCREATE PUBLICATION/,
    },
    {
      name: 'an invalidated slot',
      mutate: (facts) => {
        if (facts.slot) facts.slot.walStatus = 'lost';
      },
      check: 'slot.wal_status',
      status: 'fail',
      fix: /^SELECT pg_drop_replication_slot\('cdc_reader'\);.*re-snapshots/,
    },
    {
      name: 'no slot yet',
      mutate: (facts) => {
        facts.slot = null;
      },
      check: 'slot.exists',
      status: 'warn',
      fix: /pg_create_logical_replication_slot\('cdc_reader', 'pgoutput'\)/,
    },
    {
      name: 'a slot of another plugin',
      mutate: (facts) => {
        if (facts.slot) facts.slot.plugin = 'wal2json';
      },
      check: 'slot.exists',
      status: 'fail',
      fix: /pg_drop_replication_slot/,
    },
    {
      name: 'a slot close to invalidation',
      mutate: (facts) => {
        if (facts.slot) facts.slot.safeWalSizeBytes = 100n * 1024n * 1024n;
      },
      check: 'slot.lag',
      status: 'warn',
      fix: /reader is running/,
      detail: /100\.0 MB left before invalidation/,
    },
    {
      name: 'a short pseudonymisation key',
      mutate: (facts) => {
        facts.pseudonymisationKey = 'too-short';
      },
      check: 'privacy.pseudonymisation_key',
      status: 'fail',
      fix: /CDC_PSEUDONYMISATION_KEY/,
    },
  ];

  it.each(scenarios)(
    'reports $name as $status $check, with a fix',
    ({ mutate, check, status, fix, detail }) => {
      const findings = findingsAfter(mutate);
      const found = finding(findings, check);
      expect(found.status).toBe(status);
      expect(found.fix).toMatch(fix);
      if (detail) expect(found.detail).toMatch(detail);
      for (const other of findings) if (other.status !== 'ok') expect(other.fix, other.check).toBeTruthy();
    },
  );
});
