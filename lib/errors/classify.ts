/**
 * The single place that decides what happens after an error:
 * - `retry`: transient (a database or broker is down, a connection dropped); wait and try again, never skip;
 * - `dead-letter`: this message can never succeed as it is (bad bytes, transform bug, constraint violation);
 *   park it in the DLQ and move on;
 * - `fatal`: the process cannot do anything useful (bad configuration, a bug); stop and alert.
 */
import { causeChain, PipelineError } from './pipeline-error.ts';

export type ErrorDisposition = 'retry' | 'dead-letter' | 'fatal';

const transientNetworkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// node-postgres reports a socket dropped mid-query (server restart, network cut) as a plain Error without a code.
const droppedConnectionMessage =
  /Connection terminated|Client has encountered a connection error|connection timeout/i;

const deadLetterCodes = new Set([
  'DECODE_FAILED',
  'TRANSFORM_FAILED',
  'VALIDATION_FAILED',
  'CONSTRAINT_VIOLATION',
]);

/** SQLSTATE classes and codes that mean "try again later" (PostgreSQL appendix A). */
function isTransientSqlState(sqlState: string): boolean {
  return (
    sqlState.startsWith('08') || // connection exception
    sqlState.startsWith('53') || // insufficient resources
    sqlState === '57P01' || // admin shutdown
    sqlState === '57P02' || // crash shutdown
    sqlState === '57P03' || // cannot connect now (starting up)
    sqlState === '40001' || // serialization failure
    sqlState === '40P01' // deadlock detected
  );
}

function ownCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function classifyError(error: unknown): ErrorDisposition {
  for (const link of causeChain(error)) {
    if (link instanceof PipelineError) {
      if (link.retriable) return 'retry';
      if (deadLetterCodes.has(link.code)) return 'dead-letter';
      if (link.code === 'CONFIG_INVALID') return 'fatal';
      continue;
    }
    const code = ownCode(link);
    if (code && transientNetworkCodes.has(code)) return 'retry';
    if (code && /^[0-9A-Z]{5}$/.test(code)) {
      if (isTransientSqlState(code)) return 'retry';
      if (code.startsWith('23') || code.startsWith('22')) return 'dead-letter'; // integrity / data exception
    }
    if (link instanceof Error && code === undefined && droppedConnectionMessage.test(link.message))
      return 'retry';
    // kafkajs marks its own transient errors (leader not available, request timed out, ...) as retriable.
    if (typeof link === 'object' && link !== null && (link as { retriable?: unknown }).retriable === true) {
      return 'retry';
    }
  }
  return 'fatal';
}

export function isRetriable(error: unknown): boolean {
  return classifyError(error) === 'retry';
}
