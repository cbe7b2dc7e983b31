/**
 * Errors of the stack scripts: the project's error base with code STACK_UNAVAILABLE, plus a finer `reason`
 * for the stack's own messages. Failures to install or start are not retriable by the caller: `up` already
 * retried within its bounds.
 */
import { PipelineError } from '../../lib/errors/index.ts';

export type StackErrorCode =
  | 'missing-prerequisite'
  | 'install-failed'
  | 'port-in-use'
  | 'start-failed'
  | 'unhealthy'
  | 'stop-failed'
  | 'docker-unavailable'
  | 'locked';

export class StackError extends PipelineError {
  readonly reason: StackErrorCode;

  constructor(reason: StackErrorCode, message: string, options?: { cause?: unknown }) {
    super('STACK_UNAVAILABLE', message, { cause: options?.cause, details: { reason } });
    this.name = 'StackError';
    this.reason = reason;
  }
}
