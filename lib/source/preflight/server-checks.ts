/** Server settings and the reader role: what must hold before logical decoding can work at all. */
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import { type Finding, fail, ok, type PreflightFacts, warn } from './finding.ts';

const restart = 'then restart PostgreSQL';

function versionCheck({ server }: PreflightFacts): Finding {
  const version = `${Math.floor(server.versionNum / 10_000)}.${server.versionNum % 10_000}`;
  return server.versionNum >= 150_000
    ? ok('server.version', `PostgreSQL ${version}`)
    : fail(
        'server.version',
        `PostgreSQL ${version}: publication column lists (which keep excluded columns in the database) need 15`,
        'upgrade to PostgreSQL 15 or later',
      );
}

function walLevelCheck({ server }: PreflightFacts): Finding {
  return server.walLevel === 'logical'
    ? ok('server.wal_level', 'wal_level = logical')
    : fail(
        'server.wal_level',
        `wal_level = ${server.walLevel}: logical decoding needs logical`,
        `ALTER SYSTEM SET wal_level = 'logical'; -- ${restart}`,
      );
}

function slotWalKeepCheck({ server }: PreflightFacts): Finding {
  if (server.maxSlotWalKeepSizeMb >= 0)
    return ok(
      'server.max_slot_wal_keep_size',
      `${server.maxSlotWalKeepSizeMb} MB of WAL at most kept for a slot`,
    );
  return warn(
    'server.max_slot_wal_keep_size',
    'max_slot_wal_keep_size = -1 (unlimited): a stopped reader makes the core database keep WAL until its disk is full',
    "ALTER SYSTEM SET max_slot_wal_keep_size = '20GB'; SELECT pg_reload_conf(); -- size it to hours of WAL",
  );
}

function slotHeadroomCheck({ server, slot }: PreflightFacts): Finding {
  const needed = slot ? 0 : 1;
  const free = server.maxReplicationSlots - server.slotsInUse;
  const detail = `${server.slotsInUse} of ${server.maxReplicationSlots} replication slots in use${slot ? '' : '; the reader needs one more'}`;
  const fix = `ALTER SYSTEM SET max_replication_slots = ${server.slotsInUse + needed + 2}; -- ${restart}`;
  if (free < needed) return fail('server.max_replication_slots', detail, fix);
  if (free - needed < 1)
    return warn('server.max_replication_slots', `${detail}; no room left for a rebuild slot`, fix);
  return ok('server.max_replication_slots', detail);
}

function walSenderHeadroomCheck({ server, slot }: PreflightFacts): Finding {
  // A reader already streaming holds its WAL sender; a new one needs a free one.
  const needed = slot?.active ? 0 : 1;
  const free = server.maxWalSenders - server.walSendersInUse;
  const detail = `${server.walSendersInUse} of ${server.maxWalSenders} WAL senders in use`;
  const fix = `ALTER SYSTEM SET max_wal_senders = ${server.walSendersInUse + needed + 2}; -- ${restart}`;
  if (free < needed) return fail('server.max_wal_senders', `${detail}; the reader needs one`, fix);
  if (free - needed < 1)
    return warn('server.max_wal_senders', `${detail}; no spare sender for a restart overlap`, fix);
  return ok('server.max_wal_senders', detail);
}

function walSenderTimeoutCheck({ server }: PreflightFacts): Finding {
  const timeout = server.walSenderTimeoutMs;
  const fix = "ALTER SYSTEM SET wal_sender_timeout = '60s'; SELECT pg_reload_conf();";
  if (timeout === 0)
    return warn(
      'server.wal_sender_timeout',
      'wal_sender_timeout = 0: a dead reader keeps its slot marked active and blocks the take-over',
      fix,
    );
  if (timeout < 10_000)
    return warn(
      'server.wal_sender_timeout',
      `wal_sender_timeout = ${timeout} ms: a slow Kafka round trip could get the reader disconnected`,
      fix,
    );
  return ok('server.wal_sender_timeout', `${timeout} ms (the reader reports its position well within it)`);
}

function roleChecks({ role }: PreflightFacts): Finding[] {
  const findings: Finding[] = [];
  if (role.replication || role.superuser) {
    findings.push(ok('role.replication', `role ${role.name} may stream logical replication`));
  } else {
    findings.push(
      fail(
        'role.replication',
        `role ${role.name} lacks the REPLICATION attribute`,
        `ALTER ROLE ${quoteIdentifier(role.name)} WITH REPLICATION;`,
      ),
    );
  }
  if (role.superuser)
    findings.push(
      warn(
        'role.superuser',
        `role ${role.name} is a superuser: the reader needs only REPLICATION and SELECT on the captured columns`,
        `use a dedicated role: CREATE ROLE cdc_reader LOGIN REPLICATION; then grant SELECT per table`,
      ),
    );
  return findings;
}

export function serverChecks(facts: PreflightFacts): Finding[] {
  return [
    versionCheck(facts),
    walLevelCheck(facts),
    slotWalKeepCheck(facts),
    slotHeadroomCheck(facts),
    walSenderHeadroomCheck(facts),
    walSenderTimeoutCheck(facts),
    ...roleChecks(facts),
  ];
}
