/**
 * Schema registration over the Confluent REST API, directly. The client library's `register` checks the
 * subject's compatibility level on the client side and refuses to register when it is not the one it
 * expects, which would also block an operator who relaxes a subject on purpose to let a change through;
 * the registry's own rule is the one that counts.
 */
import type { RegistrySettings } from './client.ts';

/** A non-2xx answer of the registry (Confluent error body: `{error_code, message}`). */
export class RegistryHttpError extends Error {
  readonly status: number;
  readonly errorCode: number | undefined;

  constructor(status: number, errorCode: number | undefined, message: string) {
    super(`schema registry answered ${status}${errorCode ? ` (${errorCode})` : ''}: ${message}`);
    this.name = 'RegistryHttpError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

function headersOf(settings: RegistrySettings): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
  if (settings.auth) {
    const credentials = `${settings.auth.username}:${settings.auth.password}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return headers;
}

/** The schema text registered under `id`, exactly as registered (custom attributes included). */
export async function getSchemaById(
  settings: RegistrySettings,
  id: number,
  timeoutMs: number,
): Promise<string> {
  const response = await fetch(`${settings.url.replace(/\/$/, '')}/schemas/ids/${id}`, {
    headers: headersOf(settings),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => ({}))) as {
    schema?: unknown;
    error_code?: unknown;
    message?: unknown;
  };
  if (!response.ok || typeof body.schema !== 'string') {
    const errorCode = typeof body.error_code === 'number' ? body.error_code : undefined;
    throw new RegistryHttpError(response.status, errorCode, String(body.message ?? response.statusText));
  }
  return body.schema;
}

export async function postSchema(
  settings: RegistrySettings,
  subject: string,
  schema: string,
  timeoutMs: number,
): Promise<number> {
  const headers = headersOf(settings);
  const response = await fetch(
    `${settings.url.replace(/\/$/, '')}/subjects/${encodeURIComponent(subject)}/versions`,
    { method: 'POST', headers, body: JSON.stringify({ schema }), signal: AbortSignal.timeout(timeoutMs) },
  );
  const body = (await response.json().catch(() => ({}))) as {
    id?: unknown;
    error_code?: unknown;
    message?: unknown;
  };
  if (!response.ok || typeof body.id !== 'number') {
    const errorCode = typeof body.error_code === 'number' ? body.error_code : undefined;
    throw new RegistryHttpError(response.status, errorCode, String(body.message ?? response.statusText));
  }
  return body.id;
}
