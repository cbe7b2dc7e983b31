/**
 * The audit trail of operator commands that change what the pipeline consumes (DLQ replays; rewinds next):
 * one row in cdc.operator_actions per run, saying who did what to which consumer group and topic.
 */
import { userInfo } from 'node:os';
import type pg from 'pg';

export interface OperatorAction {
  action: string;
  actor: string;
  consumerGroup: string | null;
  topic: string | null;
  /** Offsets and counts: never row values. */
  details: Record<string, unknown>;
}

export async function recordOperatorAction(client: pg.ClientBase, action: OperatorAction): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO cdc.operator_actions (action, actor, consumer_group, topic, details)
     VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id::text`,
    [action.action, action.actor, action.consumerGroup, action.topic, JSON.stringify(action.details)],
  );
  return Number(rows[0]?.id);
}

/** CDC_ACTOR when set (a CI job, a shared account: name the person), else the OS user. */
export function resolveActor(configured: string | undefined): string {
  if (configured) return configured;
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry has no name.
    return process.env.USER ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}
