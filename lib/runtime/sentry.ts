/**
 * Sentry, only when a DSN is configured. Events never carry request bodies, row values or local variables:
 * we send the error, its code and cause chain, and the service that raised it.
 */
import * as Sentry from '@sentry/node';
import { causeChain, PipelineError } from '../errors/pipeline-error.ts';

export interface SentrySettings {
  dsn: string;
  environment: string;
  service: string;
  tracesSampleRate: number;
}

let enabled = false;

export function initSentry(settings: SentrySettings): void {
  Sentry.init({
    dsn: settings.dsn,
    environment: settings.environment,
    serverName: settings.service,
    tracesSampleRate: settings.tracesSampleRate,
    sendDefaultPii: false,
    includeLocalVariables: false,
    initialScope: { tags: { service: settings.service } },
  });
  enabled = true;
}

export function reportError(error: unknown, context: Record<string, string | number | boolean> = {}): void {
  if (!enabled) return;
  const codes = [...causeChain(error)].flatMap((link) => (link instanceof PipelineError ? [link.code] : []));
  Sentry.captureException(error, { tags: { ...context, ...(codes[0] ? { code: codes[0] } : {}) } });
}

export async function flushSentry(timeoutMs = 2000): Promise<void> {
  if (enabled) await Sentry.flush(timeoutMs);
}
