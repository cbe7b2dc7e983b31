/**
 * What of an error may leave the process (Sentry, Slack). Messages are written by us and name tables,
 * columns, codes and counts, except where they describe one bad row: dead-letter and validation errors can
 * quote the offending value (a transform's own message, avsc's or PostgreSQL's "invalid input syntax ...:
 * \"x\"", "Key (email)=(x) already exists"). For those, only the code and the table go out.
 */
import { causeChain, PipelineError } from './pipeline-error.ts';

/** Codes whose messages (or whose causes' messages) may quote a row value. */
export const valueQuotingCodes: ReadonlySet<string> = new Set([
  'VALIDATION_FAILED',
  'TRANSFORM_FAILED',
  'CONSTRAINT_VIOLATION',
  'DECODE_FAILED',
]);

/** PostgreSQL's data exception (22) and integrity constraint (23) classes quote values in their messages. */
const valueQuotingSqlState = /^2[23][0-9A-Z]{3}$/;

export interface ErrorDisclosure {
  /** The first pipeline code of the cause chain, if any. */
  code?: string;
  /** The table the error is about, when an error of the chain names it in its details. */
  table?: string;
  /** True when a message of the chain may quote a row value: send the code and the table, never the text. */
  withheld: boolean;
}

function sqlStateOf(link: unknown): string | undefined {
  if (typeof link !== 'object' || link === null || link instanceof PipelineError) return undefined;
  const code = (link as { code?: unknown }).code;
  return typeof code === 'string' && valueQuotingSqlState.test(code) ? code : undefined;
}

export function disclosureOf(error: unknown): ErrorDisclosure {
  let code: string | undefined;
  let table: string | undefined;
  let withheld = false;
  for (const link of causeChain(error)) {
    if (link instanceof PipelineError) {
      code ??= link.code;
      const named = link.details.table;
      if (table === undefined && typeof named === 'string') table = named;
      if (valueQuotingCodes.has(link.code)) withheld = true;
    } else if (sqlStateOf(link)) {
      withheld = true;
    }
  }
  return { code, table, withheld };
}

/** The one line that replaces a withheld message. */
export function withheldMessage(code: string | undefined, table: string | undefined): string {
  return `${code ?? 'ERROR'}${table ? ` on table ${table}` : ''} (message withheld: it may quote row values)`;
}

/**
 * A message safe to send to people: the error's own message, or, when it may quote a row value, its code and
 * table. Not truncated here (the destination knows its limit).
 */
export function disclosableMessage(error: unknown): string {
  const disclosure = disclosureOf(error);
  if (disclosure.withheld) return withheldMessage(disclosure.code, disclosure.table);
  return error instanceof Error ? error.message : String(error);
}
