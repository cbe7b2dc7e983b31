/**
 * What a Sentry event may carry out of the process: the error's type, code, stack, a bounded message, the
 * service and the identifiers of what it was about (`contexts.pipeline`: table, topic, partition, offset).
 * Everything that could carry a row value is removed: request data, extras, the user, local variables,
 * breadcrumbs' data and console breadcrumbs, unknown contexts. Messages of errors that may quote a value
 * (lib/errors/disclosure.ts) become their code and table. Pure: `beforeSend`, `beforeSendTransaction` and
 * `beforeBreadcrumb` call these.
 */
import type { Breadcrumb, ErrorEvent, Event, EventHint } from '@sentry/node';
import { disclosureOf, valueQuotingCodes, withheldMessage } from '../errors/disclosure.ts';
import { causeChain, PipelineError } from '../errors/pipeline-error.ts';

export const maxMessageLength = 500;
const maxTagLength = 200;
const maxBreadcrumbMessageLength = 200;

/** The identifiers `contexts.pipeline` may hold: names and positions, never values. */
export const pipelineContextKeys = ['service', 'table', 'topic', 'partition', 'offset'] as const;
export type PipelineContext = Partial<Record<(typeof pipelineContextKeys)[number], string | number>>;

/** Contexts the SDK adds about the machine and the runtime, plus ours; any other context is dropped. */
const keptContexts = new Set([
  'app',
  'os',
  'device',
  'culture',
  'cloud_resource',
  'runtime',
  'trace',
  'pipeline',
]);

function bounded(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

function identifier(value: unknown): string | number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && value !== '') return bounded(value, maxTagLength);
  return undefined;
}

/** Only the known identifier keys, only strings and numbers. */
export function sanitisePipelineContext(input: Record<string, unknown> | undefined): PipelineContext {
  const context: PipelineContext = {};
  for (const key of pipelineContextKeys) {
    const value = identifier(input?.[key]);
    if (value !== undefined) context[key] = value;
  }
  return context;
}

/**
 * The pipeline context of a report: what the caller passed, completed by the details of the errors in the
 * chain (the innermost table or topic an error names), and the service.
 */
export function pipelineContextOf(
  error: unknown,
  context: Record<string, unknown>,
  service: string | undefined,
): PipelineContext {
  const fromErrors: Record<string, unknown> = {};
  for (const link of causeChain(error)) {
    if (!(link instanceof PipelineError)) continue;
    for (const key of pipelineContextKeys) fromErrors[key] ??= link.details[key];
  }
  return sanitisePipelineContext({ ...fromErrors, ...(service ? { service } : {}), ...context });
}

export function scrubBreadcrumb(breadcrumb: Breadcrumb): Breadcrumb | null {
  // console.* output is free text (anything a library prints); pino writes to stdout and is not captured.
  if (breadcrumb.category === 'console') return null;
  const { type, category, level, timestamp, message } = breadcrumb;
  return {
    ...(type ? { type } : {}),
    ...(category ? { category } : {}),
    ...(level ? { level } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(message ? { message: bounded(message, maxBreadcrumbMessageLength) } : {}),
  };
}

export function scrubEvent<E extends Event>(event: E, hint?: EventHint): E {
  const disclosure = hint?.originalException === undefined ? undefined : disclosureOf(hint.originalException);
  const pipeline = sanitisePipelineContext(event.contexts?.pipeline as Record<string, unknown> | undefined);
  const code = disclosure?.code ?? (typeof event.tags?.code === 'string' ? event.tags.code : undefined);
  const withheld = Boolean(disclosure?.withheld) || (code !== undefined && valueQuotingCodes.has(code));
  const table =
    disclosure?.table ??
    (typeof pipeline.table === 'string' ? pipeline.table : undefined) ??
    (typeof event.tags?.table === 'string' ? event.tags.table : undefined);
  const message = (text: string) =>
    withheld ? withheldMessage(code, table) : bounded(text, maxMessageLength);

  const scrubbed: E = { ...event };
  delete scrubbed.request;
  delete scrubbed.extra;
  delete scrubbed.user;
  if (scrubbed.message !== undefined) scrubbed.message = message(scrubbed.message);
  if (scrubbed.logentry) {
    scrubbed.logentry =
      scrubbed.logentry.message === undefined ? {} : { message: message(scrubbed.logentry.message) };
  }
  if (scrubbed.exception?.values) {
    scrubbed.exception = {
      values: scrubbed.exception.values.map((exception) => ({
        ...exception,
        ...(exception.value === undefined ? {} : { value: message(exception.value) }),
        ...(exception.stacktrace?.frames
          ? {
              stacktrace: {
                ...exception.stacktrace,
                frames: exception.stacktrace.frames.map(({ vars: _vars, ...frame }) => frame),
              },
            }
          : {}),
      })),
    };
  }
  if (scrubbed.breadcrumbs) {
    scrubbed.breadcrumbs = scrubbed.breadcrumbs
      .map(scrubBreadcrumb)
      .filter((breadcrumb): breadcrumb is Breadcrumb => breadcrumb !== null);
  }
  if (scrubbed.contexts) {
    scrubbed.contexts = Object.fromEntries(
      Object.entries(scrubbed.contexts).filter(([name]) => keptContexts.has(name) && name !== 'pipeline'),
    );
    if (Object.keys(pipeline).length > 0) scrubbed.contexts.pipeline = pipeline;
  }
  if (scrubbed.tags) {
    scrubbed.tags = Object.fromEntries(
      Object.entries(scrubbed.tags).map(([name, value]) => [
        name,
        typeof value === 'string' ? bounded(value, maxTagLength) : value,
      ]),
    );
  }
  return scrubbed;
}

/** `beforeSend`: typed for error events. */
export function scrubErrorEvent(event: ErrorEvent, hint: EventHint): ErrorEvent {
  return scrubEvent(event, hint);
}
