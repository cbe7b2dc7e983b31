/**
 * An operator resume (`cdc resume`), in one analytics transaction: cdc.table_state back to 'active', its
 * cdc.operator_actions row (with the pause it ended), and a NOTIFY on the table-state channel so running sinks
 * seek back to the stored cursor and consume the topic again at once.
 *
 * A pause a sink made for an incompatible schema change is refused unless forced: the sink resumes it by
 * itself once the raw table is migrated, and resumed before that it would only meet the same schema at its
 * next message and pause again. Forced, the row loses its schema_version (the pause it ended is in the audit
 * row); a sink that still cannot apply the schema writes a new one.
 */
import type pg from 'pg';
import { tableStateChannel } from '../../../lib/cursor/table-state.ts';
import { recordOperatorAction } from '../operator-actions.ts';
import {
  isSchemaPause,
  readTableState,
  type TableState,
  type TableStateRow,
  tableStateOf,
} from './table-states.ts';

export interface ResumeRequest {
  topic: string;
  /** The connector's name, for the audit trail. */
  table: string;
  actor: string;
  /** Resume a schema-caused pause too. */
  force: boolean;
}

export type ResumeOutcome =
  | { kind: 'resumed'; state: TableState; previous: TableState; operatorActionId: number }
  | { kind: 'not-paused'; state: TableState | undefined }
  | { kind: 'schema-pause'; state: TableState };

export async function resumeTable(client: pg.ClientBase, request: ResumeRequest): Promise<ResumeOutcome> {
  await client.query('BEGIN');
  try {
    const previous = await readTableState(client, request.topic, { lock: true });
    if (previous?.status !== 'paused') {
      await client.query('ROLLBACK');
      return { kind: 'not-paused', state: previous };
    }
    if (isSchemaPause(previous) && !request.force) {
      await client.query('ROLLBACK');
      return { kind: 'schema-pause', state: previous };
    }
    const { rows } = await client.query<TableStateRow>(
      `UPDATE cdc.table_state SET status = 'active', reason = NULL, schema_version = NULL, updated_at = now()
        WHERE topic = $1
        RETURNING topic, raw_table, status, reason, schema_version, updated_at`,
      [request.topic],
    );
    const state = tableStateOf(rows[0] as TableStateRow);
    const operatorActionId = await recordOperatorAction(client, {
      action: 'resume',
      actor: request.actor,
      consumerGroup: null,
      topic: request.topic,
      details: {
        table: request.table,
        rawTable: previous.rawTable,
        force: request.force,
        pause: {
          reason: previous.reason,
          schemaVersion: previous.schemaVersion,
          since: previous.updatedAt.toISOString(),
        },
      },
    });
    await client.query('SELECT pg_notify($1, $2)', [tableStateChannel, request.topic]);
    await client.query('COMMIT');
    return { kind: 'resumed', state, previous, operatorActionId };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
