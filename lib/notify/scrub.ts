/**
 * The last filter before text leaves for a chat channel: PostgreSQL's DETAIL lines (where it quotes values:
 * "Key (email)=(...) already exists", "Failing row contains (...)") are dropped, credentials in URLs masked,
 * control characters removed, and everything bounded. It cannot recognise a row value in free text: callers
 * must not pass one (types.ts).
 */
import type { NotifyEvent } from './types.ts';

export const scrubLimits = {
  title: 150,
  detail: 500,
  identifier: 100,
  fieldName: 50,
  fieldValue: 200,
  fields: 10,
} as const;

const detailLine = /^\s*DETAIL:.*$/gim;
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(:[^/\s@]*)?@/gi;
// Tabs and newlines stay (a detail may have lines); other control characters go.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const controlCharacters = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  return `${text.slice(0, Math.max(0, maxLength - 1))}…`;
}

export function scrubText(text: string, maxLength: number = scrubLimits.detail): string {
  const cleaned = text
    .replace(detailLine, '')
    .replace(urlCredentials, '$1[redacted]@')
    .replace(controlCharacters, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return truncate(cleaned, maxLength);
}

/** The event with every string scrubbed and bounded; at most `scrubLimits.fields` fields, numbers finite. */
export function scrubEvent(event: NotifyEvent): NotifyEvent {
  const fields = Object.entries(event.fields ?? {})
    .filter(([, value]) => typeof value === 'string' || Number.isFinite(value))
    .slice(0, scrubLimits.fields)
    .map(([name, value]): [string, string | number] => [
      scrubText(name, scrubLimits.fieldName),
      typeof value === 'string' ? scrubText(value, scrubLimits.fieldValue) : value,
    ]);
  return {
    kind: event.kind,
    service: scrubText(String(event.service), scrubLimits.identifier),
    key: scrubText(String(event.key), scrubLimits.identifier),
    title: scrubText(String(event.title), scrubLimits.title),
    ...(event.detail ? { detail: scrubText(String(event.detail), scrubLimits.detail) } : {}),
    ...(fields.length > 0 ? { fields: Object.fromEntries(fields) } : {}),
  };
}
