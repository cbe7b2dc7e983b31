/**
 * Creates the slot over a replication connection with `SNAPSHOT 'export'`: PostgreSQL returns the slot's
 * consistent point and the name of a snapshot that shows the database exactly as of that point. Another
 * connection imports it (`SET TRANSACTION SNAPSHOT`) and copies the tables: every row is then either in the
 * copy or in the stream from the consistent point, never in neither. The snapshot lives only as long as this
 * connection stays open and idle, so the caller keeps the handle until every importing transaction has begun
 * (imported snapshots stay valid after that), then closes it.
 */
import pg from 'pg';
import { PipelineError } from '../../lib/errors/index.ts';
import { assertSlotName, type Lsn, parseLsn, quoteIdentifier } from '../../lib/postgres/index.ts';

export interface ExportedSnapshotSlot {
  slotName: string;
  consistentPoint: Lsn;
  snapshotName: string;
  /** Closes the replication connection; the exported snapshot can no longer be imported afterwards. */
  close(): Promise<void>;
}

interface CreateSlotRow {
  slot_name: string;
  consistent_point: string;
  snapshot_name: string | null;
}

export async function createSlotWithSnapshot(url: string, slot: string): Promise<ExportedSnapshotSlot> {
  assertSlotName(slot);
  // `replication: 'database'` is a node-postgres option its typings do not declare.
  const config: pg.ClientConfig & { replication: 'database' } = {
    connectionString: url,
    replication: 'database',
  };
  const client = new pg.Client(config);
  // Without a listener an unexpected disconnect would crash the process; the snapshot is simply gone then.
  client.on('error', () => undefined);
  await client.connect();
  try {
    // A replication command: simple query protocol only, so no bind parameters; the name is validated and quoted.
    const result = await client.query<CreateSlotRow>(
      `CREATE_REPLICATION_SLOT ${quoteIdentifier(slot)} LOGICAL pgoutput (SNAPSHOT 'export')`,
    );
    const row = result.rows[0];
    if (!row?.snapshot_name) {
      throw new PipelineError('INTERNAL', `CREATE_REPLICATION_SLOT ${slot} returned no snapshot name`);
    }
    let closed = false;
    return {
      slotName: row.slot_name,
      consistentPoint: parseLsn(row.consistent_point),
      snapshotName: row.snapshot_name,
      close: async () => {
        if (closed) return;
        closed = true;
        await client.end();
      },
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}
