/**
 * Sentry, only when a DSN is configured. Events never carry request bodies, row values or local variables:
 * we send the error, its code and cause chain, the service that raised it, and the identifiers of what it was
 * about (`contexts.pipeline`). Every event, breadcrumb and transaction passes through sentry-scrub.ts first.
 */
import * as Sentry from '@sentry/node';
import { causeChain, PipelineError } from '../errors/pipeline-error.ts';
import { pipelineContextOf, scrubBreadcrumb, scrubErrorEvent, scrubEvent } from './sentry-scrub.ts';

export interface SentrySettings {
  dsn: string;
  environment: string;
  service: string;
  tracesSampleRate: number;
}

let enabled = false;
let service: string | undefined;

export function initSentry(settings: SentrySettings): void {
  Sentry.init({
    dsn: settings.dsn,
    environment: settings.environment,
    serverName: settings.service,
    tracesSampleRate: settings.tracesSampleRate,
    sendDefaultPii: false,
    includeLocalVariables: false,
    initialScope: { tags: { service: settings.service } },
    beforeSend: scrubErrorEvent,
    beforeSendTransaction: (event, hint) => scrubEvent(event, hint),
    beforeBreadcrumb: scrubBreadcrumb,
  });
  enabled = true;
  service = settings.service;
}

export function reportError(error: unknown, context: Record<string, string | number | boolean> = {}): void {
  if (!enabled) return;
  const codes = [...causeChain(error)].flatMap((link) => (link instanceof PipelineError ? [link.code] : []));
  Sentry.captureException(error, {
    tags: { ...context, ...(codes[0] ? { code: codes[0] } : {}) },
    contexts: { pipeline: pipelineContextOf(error, context, service) },
  });
}

export async function flushSentry(timeoutMs = 2000): Promise<void> {
  if (enabled) await Sentry.flush(timeoutMs);
}
