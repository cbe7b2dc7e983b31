/**
 * The vocabulary of the preflight: facts in, findings out. A finding says what was checked, how it stands,
 * why, and — whenever it is not ok — the exact statement or setting that fixes it, so an operator never has to
 * work out the SQL from a description.
 */
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import type { PublicationFacts } from '../facts/publication.ts';
import type { RoleFacts } from '../facts/role.ts';
import type { ServerFacts } from '../facts/server.ts';
import type { TableFacts } from '../facts/tables.ts';
import type { SlotStatus } from '../slot.ts';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** `<area>.<what>`, followed by the table when the check is per table: `publication.columns public.partners`. */
  check: string;
  status: FindingStatus;
  detail: string;
  /** The statement or setting that fixes it; null when ok. */
  fix: string | null;
}

export interface PreflightFacts {
  server: ServerFacts;
  role: RoleFacts;
  /** One per connector, in the connectors' order. */
  tables: readonly TableFacts[];
  publication: PublicationFacts | null;
  slot: SlotStatus | null;
  /** Whether CDC_PSEUDONYMISATION_KEY is usable where the preflight runs (never its value). */
  pseudonymisationKey: 'ok' | 'missing' | 'too-short';
}

export interface PreflightExpectations {
  slotName: string;
  publicationName: string;
  connectors: readonly ConnectorDefinition[];
}

export const ok = (check: string, detail: string): Finding => ({ check, status: 'ok', detail, fix: null });
export const warn = (check: string, detail: string, fix: string): Finding => ({
  check,
  status: 'warn',
  detail,
  fix,
});
export const fail = (check: string, detail: string, fix: string): Finding => ({
  check,
  status: 'fail',
  detail,
  fix,
});

export function formatBytes(bytes: bigint | number): string {
  const value = Number(bytes);
  if (value < 1024) return `${value} B`;
  if (value < 1024 ** 2) return `${(value / 1024).toFixed(1)} kB`;
  if (value < 1024 ** 3) return `${(value / 1024 ** 2).toFixed(1)} MB`;
  return `${(value / 1024 ** 3).toFixed(2)} GB`;
}
