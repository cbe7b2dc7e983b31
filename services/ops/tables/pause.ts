/**
 * An operator pause (`cdc pause`), in one analytics transaction: the row in cdc.table_state (status 'paused',
 * no schema_version: the sinks never clear it by themselves), its cdc.operator_actions row, and a NOTIFY on
 * the table-state channel so running sinks stop the topic at once (their poll is the safety net). The sinks
 * keep the partitions' place: nothing is skipped, the cursor stays where it is.
 *
 * A table already paused is left as it is. In particular a schema-caused pause keeps its schema_version and
 * its reason (the migration to write): the sink resumes it once the raw table is migrated, so whoever applies
 * the migration decides when it resumes.
 */
import type pg from 'pg';
import { tableStateChannel } from '../../../lib/cursor/table-state.ts';
import { recordOperatorAction } from '../operator-actions.ts';
import { readTableState, type TableState, type TableStateRow, tableStateOf } from './table-states.ts';

export interface PauseRequest {
  topic: string;
  rawTable: string;
  /** The connector's name, for the audit trail. */
  table: string;
  actor: string;
  /** The operator's words; the stored reason is `paused by <actor>[: <note>]`. */
  note: string | undefined;
}

export type PauseOutcome =
  | { kind: 'paused'; state: TableState; operatorActionId: number }
  | { kind: 'already-paused'; state: TableState };

export function pauseReason(actor: string, note: string | undefined): string {
  return note ? `paused by ${actor}: ${note}` : `paused by ${actor}`;
}

export async function pauseTable(client: pg.ClientBase, request: PauseRequest): Promise<PauseOutcome> {
  await client.query('BEGIN');
  try {
    const previous = await readTableState(client, request.topic, { lock: true });
    if (previous?.status === 'paused') {
      await client.query('ROLLBACK');
      return { kind: 'already-paused', state: previous };
    }
    // The WHERE covers a row inserted concurrently (nothing to lock above): its pause wins, this one is a no-op.
    const { rows } = await client.query<TableStateRow>(
      `INSERT INTO cdc.table_state AS t (topic, raw_table, status, reason, schema_version, updated_at)
       VALUES ($1, $2, 'paused', $3, NULL, now())
       ON CONFLICT (topic) DO UPDATE SET status = 'paused', raw_table = EXCLUDED.raw_table,
         reason = EXCLUDED.reason, schema_version = NULL, updated_at = now()
       WHERE t.status <> 'paused'
       RETURNING topic, raw_table, status, reason, schema_version, updated_at`,
      [request.topic, request.rawTable, pauseReason(request.actor, request.note)],
    );
    if (!rows[0]) {
      const current = await readTableState(client, request.topic);
      await client.query('ROLLBACK');
      if (current) return { kind: 'already-paused', state: current };
      throw new Error(`cdc.table_state row of ${request.topic} vanished during the pause`);
    }
    const state = tableStateOf(rows[0]);
    const operatorActionId = await recordOperatorAction(client, {
      action: 'pause',
      actor: request.actor,
      consumerGroup: null,
      topic: request.topic,
      details: {
        table: request.table,
        rawTable: request.rawTable,
        reason: state.reason,
        previousStatus: previous?.status ?? null,
      },
    });
    await client.query('SELECT pg_notify($1, $2)', [tableStateChannel, request.topic]);
    await client.query('COMMIT');
    return { kind: 'paused', state, operatorActionId };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
