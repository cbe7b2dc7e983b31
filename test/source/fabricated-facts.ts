/**
 * Preflight facts for unit tests: two fabricated tables, `accounts` (personal data: `ip` excluded,
 * `fingerprint` pseudonymised) and `orders` (everything published), on a server and publication that are
 * exactly right. Each test breaks one thing.
 */
import { defineConnector } from '../../connectors/define.ts';
import type { PublicationFacts } from '../../lib/source/facts/publication.ts';
import type { TableFacts } from '../../lib/source/facts/tables.ts';
import type { PreflightExpectations, PreflightFacts } from '../../lib/source/preflight.ts';

export const accounts = defineConnector({
  name: 'accounts',
  source: { schema: 'public', table: 'accounts' },
  columns: { mode: 'all', exclude: ['ip'], pseudonymise: ['fingerprint'] },
  destination: { table: 'accounts' },
});

export const orders = defineConnector({
  name: 'orders',
  source: { schema: 'public', table: 'orders' },
  destination: { table: 'orders' },
});

export const expectations: PreflightExpectations = {
  slotName: 'cdc_reader',
  publicationName: 'cdc_publication',
  connectors: [accounts, orders],
};

function table(name: string, columns: string[], overrides: Partial<TableFacts> = {}): TableFacts {
  return {
    schema: 'public',
    table: name,
    exists: true,
    relationOid: 1000,
    owner: 'app',
    replicaIdentity: 'default',
    columns: columns.map((column, index) => ({
      name: column,
      attnum: index + 1,
      generated: false,
      selectable: true,
    })),
    primaryKey: ['id'],
    identityIndex: null,
    uniqueKeys: [['id']],
    ...overrides,
  };
}

export function goodFacts(): PreflightFacts {
  const accountsTable = table('accounts', ['id', 'name', 'ip', 'fingerprint']);
  // Least privilege: the reader may not read the excluded column.
  accountsTable.columns = accountsTable.columns.map((column) =>
    column.name === 'ip' ? { ...column, selectable: false } : column,
  );
  const publication: PublicationFacts = {
    name: 'cdc_publication',
    owner: 'app',
    allTables: false,
    operations: { insert: true, update: true, delete: true, truncate: true },
    viaRoot: false,
    tables: [
      {
        schema: 'public',
        table: 'accounts',
        columns: ['id', 'name', 'fingerprint'],
        hasColumnList: true,
        rowFilter: null,
      },
      { schema: 'public', table: 'orders', columns: ['id', 'total'], hasColumnList: false, rowFilter: null },
    ],
  };
  return {
    server: {
      versionNum: 150018,
      walLevel: 'logical',
      maxSlotWalKeepSizeMb: 2048,
      maxReplicationSlots: 10,
      maxWalSenders: 10,
      walSenderTimeoutMs: 60_000,
      slotsInUse: 1,
      walSendersInUse: 1,
    },
    role: { name: 'cdc_reader', replication: true, superuser: false, database: 'core' },
    tables: [accountsTable, table('orders', ['id', 'total'])],
    publication,
    slot: {
      slotName: 'cdc_reader',
      plugin: 'pgoutput',
      slotType: 'logical',
      database: 'core',
      active: true,
      activePid: 4242,
      restartLsn: 0x1_0000_0000n,
      confirmedFlushLsn: 0x1_0000_1000n,
      walStatus: 'reserved',
      safeWalSizeBytes: 2000n * 1024n * 1024n,
      currentWalLsn: 0x1_0000_2000n,
      lagBytes: 0x1000n,
      retainedBytes: 0x2000n,
    },
    pseudonymisationKey: 'ok',
  };
}
