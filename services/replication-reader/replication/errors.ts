/**
 * Replication failures as PipelineErrors, with the retry decision made here once:
 * - 55006 (object in use): another reader streams from the slot; it may go away (a rolling deploy, a crashed
 *   reader whose walsender has not noticed yet), so waiting and trying again is right;
 * - 42704 (undefined object): the slot or a publication does not exist; nobody will create it by waiting;
 * - anything `classifyError` calls transient (connection lost, server restarting) is retriable too.
 */
import { classifyError, PipelineError } from '../../../lib/errors/index.ts';

function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function replicationError(error: unknown, context: { slot: string; during: string }): PipelineError {
  if (error instanceof PipelineError) return error;
  const sqlState = sqlStateOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  const details = { slot: context.slot, ...(sqlState ? { sqlState } : {}) };
  if (sqlState === '55006') {
    return new PipelineError(
      'DATABASE_UNAVAILABLE',
      `replication slot ${context.slot} is in use by another reader (${context.during}): ${reason}`,
      { cause: error, retriable: true, details },
    );
  }
  if (sqlState === '42704') {
    return new PipelineError('CONFIG_INVALID', `replication ${context.during} failed: ${reason}`, {
      cause: error,
      retriable: false,
      details,
    });
  }
  const retriable = classifyError(error) === 'retry';
  return new PipelineError('DATABASE_UNAVAILABLE', `replication ${context.during} failed: ${reason}`, {
    cause: error,
    retriable,
    details,
  });
}
