/**
 * The reader's slot: right kind, in the right database, still valid, and not retaining too much WAL. A `lost`
 * slot (invalidated after exceeding max_slot_wal_keep_size) can never stream again: the changes it skipped are
 * gone, so the only fix is a new slot and fresh snapshots of every captured table.
 */
import { formatLsn, quoteLiteral } from '../../../lib/postgres/index.ts';
import { type Finding, fail, formatBytes, ok, type PreflightFacts, warn } from './finding.ts';

export function slotChecks(facts: PreflightFacts, slotName: string): Finding[] {
  const { slot, server, role } = facts;
  const drop = `SELECT pg_drop_replication_slot(${quoteLiteral(slotName)});`;
  if (slot === null)
    return [
      warn(
        'slot.exists',
        `slot ${slotName} does not exist: the reader creates it at start and snapshots the captured tables; ` +
          'if a slot existed before, changes made since it was dropped reach Kafka only through that snapshot',
        'start the reader (it creates the slot), or: ' +
          `SELECT pg_create_logical_replication_slot(${quoteLiteral(slotName)}, 'pgoutput');`,
      ),
    ];
  const findings: Finding[] = [];
  if (slot.slotType !== 'logical' || slot.plugin !== 'pgoutput' || slot.database !== role.database) {
    findings.push(
      fail(
        'slot.exists',
        `slot ${slotName} is ${slot.slotType} (plugin ${slot.plugin}, database ${slot.database}); ` +
          `the reader needs a logical pgoutput slot in ${role.database}`,
        `${drop} -- if nothing else uses it; or set CDC_SLOT_NAME to another name`,
      ),
    );
    return findings;
  }
  findings.push(
    ok(
      'slot.exists',
      slot.active
        ? `${slotName} (streaming, pid ${slot.activePid})`
        : `${slotName} (not streaming right now)`,
    ),
  );

  const status = slot.walStatus;
  if (status === 'lost') {
    findings.push(
      fail(
        'slot.wal_status',
        `slot ${slotName} is invalidated (wal_status = lost): the WAL it needed was removed, changes were missed`,
        `${drop} -- then start the reader: it creates a new slot and re-snapshots every captured table`,
      ),
    );
  } else if (status === 'unreserved' || status === 'extended') {
    findings.push(
      warn(
        'slot.wal_status',
        `wal_status = ${status}: the slot retains more WAL than max_wal_size` +
          (status === 'unreserved'
            ? ' and will be invalidated at the next checkpoint unless the reader catches up'
            : ''),
        'make sure the reader is running and keeping up (see slot.lag); raise max_slot_wal_keep_size if needed',
      ),
    );
  } else {
    findings.push(ok('slot.wal_status', `wal_status = ${status}`));
  }

  const lag = slot.lagBytes ?? 0n;
  const detail =
    `lag ${formatBytes(lag)} behind ${formatLsn(slot.currentWalLsn)}` +
    (slot.confirmedFlushLsn !== null ? ` (confirmed ${formatLsn(slot.confirmedFlushLsn)})` : '') +
    `, retaining ${formatBytes(slot.retainedBytes ?? 0n)}` +
    (slot.safeWalSizeBytes !== null
      ? `, ${formatBytes(slot.safeWalSizeBytes)} left before invalidation`
      : '');
  const limitBytes =
    server.maxSlotWalKeepSizeMb >= 0 ? BigInt(server.maxSlotWalKeepSizeMb) * 1024n * 1024n : null;
  const nearLimit =
    limitBytes !== null && slot.safeWalSizeBytes !== null && slot.safeWalSizeBytes * 4n < limitBytes;
  const largeUnbounded = limitBytes === null && lag > 1024n ** 3n;
  findings.push(
    nearLimit || largeUnbounded
      ? warn(
          'slot.lag',
          `${detail}: ${nearLimit ? 'under a quarter of max_slot_wal_keep_size is left' : 'over 1 GB of unconfirmed WAL'}`,
          'make sure the reader is running and Kafka accepts its batches; the lag must shrink',
        )
      : ok('slot.lag', detail),
  );
  return findings;
}
