/**
 * Registry failures as PipelineErrors. Two shapes arrive: our own registration (fetch: a RegistryHttpError
 * with the status, or fetch's own error with the socket error code in its cause), and the client library,
 * which reports HTTP answers and network failures alike as a ResponseError with a status (a refused
 * connection is "status 400: connect ECONNREFUSED ...").
 */
import { classifyError, PipelineError } from '../errors/index.ts';

const networkFailure =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|socket hang up|Timeout \(/;

function status(error: unknown): number | undefined {
  const value =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** Worth another try: the registry is down, overloaded or unreachable right now. */
export function isTransientRegistryError(error: unknown): boolean {
  const code = status(error);
  if (code === 408 || code === 429 || (code !== undefined && code >= 500)) return true;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return true;
  const message = error instanceof Error ? error.message : '';
  if ((code === undefined || code === 400) && networkFailure.test(message)) return true;
  // fetch: "fetch failed" with the socket error (ECONNREFUSED...) as its cause.
  return code === undefined && classifyError(error) === 'retry';
}

export function registrationError(subject: string, error: unknown): PipelineError {
  const code = status(error);
  if (code === 409) {
    return new PipelineError(
      'SCHEMA_INCOMPATIBLE',
      `schema registry rejected the new schema of subject ${subject} as incompatible with its compatibility ` +
        'rule (BACKWARD): the table needs a compatible change, or an operator decision on the subject',
      { cause: error, details: { subject, status: code } },
    );
  }
  return requestError(`registering a schema under subject ${subject}`, error, { subject });
}

export function requestError(
  action: string,
  error: unknown,
  details: Record<string, unknown> = {},
): PipelineError {
  const code = status(error);
  const facts = { ...details, status: code };
  if (isTransientRegistryError(error)) {
    return new PipelineError('REGISTRY_UNAVAILABLE', `schema registry unavailable while ${action}`, {
      cause: error,
      retriable: true,
      details: facts,
    });
  }
  if (code === 422) {
    return new PipelineError('INTERNAL', `schema registry refused an invalid schema while ${action}`, {
      cause: error,
      details: facts,
    });
  }
  if (code === 401 || code === 403) {
    return new PipelineError('CONFIG_INVALID', `schema registry refused the credentials while ${action}`, {
      cause: error,
      details: facts,
    });
  }
  return new PipelineError('INTERNAL', `schema registry request failed while ${action} (status ${code})`, {
    cause: error,
    details: facts,
  });
}
