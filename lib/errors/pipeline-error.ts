/**
 * The one error base of the pipeline: a stable code for dashboards and alerts, a `cause` chain for humans,
 * and a flag telling whether trying again can help. Retry decisions look at the whole chain (see classify.ts),
 * so wrapping an error never hides that it was, say, a dropped connection.
 */
export const errorCodes = [
  'CONFIG_INVALID',
  'STACK_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  'KAFKA_UNAVAILABLE',
  'REGISTRY_UNAVAILABLE',
  'SCHEMA_INCOMPATIBLE',
  'DECODE_FAILED',
  'TRANSFORM_FAILED',
  'VALIDATION_FAILED',
  'CONSTRAINT_VIOLATION',
  'COMMAND_FAILED',
  'CURSOR_MOVED',
  'WRITE_CONFLICT',
  /** Another process took over (a newer writer of the same Kafka transactional id): this one must stop. */
  'FENCED',
  'INVALID_ARGUMENT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface PipelineErrorOptions {
  cause?: unknown;
  /** Whether the same operation may succeed later without anyone changing anything. */
  retriable?: boolean;
  /** Structured facts for logs and Sentry. Never put row values or secrets here. */
  details?: Record<string, unknown>;
}

export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

/** Walks `error.cause` links, guarding against cycles, outermost first. */
export function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    // kafkajs keeps the underlying failure in `originalError` (e.g. retries exhausted on a refused connection).
    current =
      current instanceof Error
        ? (current.cause ?? (current as { originalError?: unknown }).originalError)
        : undefined;
  }
}
