/**
 * Preflight: is this database ready for the reader, and if not, what exactly must change? Facts are gathered
 * by the small SQL functions of facts/ (as the reader's own role, so privileges are judged as they will
 * apply), then judged by pure checks, which the unit tests drive with fabricated facts.
 */
import type pg from 'pg';
import { pseudonymisedColumnsOf } from '../../connectors/catalogue.ts';
import { readPublicationFacts } from './facts/publication.ts';
import { readRoleFacts } from './facts/role.ts';
import { readServerFacts } from './facts/server.ts';
import { readTableFacts, type TableFacts } from './facts/tables.ts';
import {
  type Finding,
  fail,
  ok,
  type PreflightExpectations,
  type PreflightFacts,
  warn,
} from './preflight/finding.ts';
import { publicationChecks } from './preflight/publication-checks.ts';
import { serverChecks } from './preflight/server-checks.ts';
import { slotChecks } from './preflight/slot-checks.ts';
import { tableChecks } from './preflight/table-checks.ts';
import { planPublication } from './publication-plan.ts';
import { planPublishedColumns } from './published-columns.ts';
import { minimumPseudonymisationKeyLength, pseudonymisationKeyVariable } from './settings.ts';
import { readSlotStatus } from './slot.ts';

export type { Finding, FindingStatus, PreflightExpectations, PreflightFacts } from './preflight/finding.ts';

function pseudonymisationCheck(facts: PreflightFacts, expectations: PreflightExpectations): Finding[] {
  const users = expectations.connectors.filter((connector) => pseudonymisedColumnsOf(connector).length > 0);
  if (users.length === 0) return [];
  const names = users.map((connector) => connector.name).join(', ');
  const check = 'privacy.pseudonymisation_key';
  const fix = `set ${pseudonymisationKeyVariable} (a random secret of at least ${minimumPseudonymisationKeyLength} characters, from the secret store)`;
  if (facts.pseudonymisationKey === 'missing')
    return [
      warn(check, `${pseudonymisationKeyVariable} is not set here; the reader needs it for ${names}`, fix),
    ];
  if (facts.pseudonymisationKey === 'too-short')
    return [
      fail(
        check,
        `${pseudonymisationKeyVariable} is shorter than ${minimumPseudonymisationKeyLength} characters: pseudonyms could be brute-forced`,
        fix,
      ),
    ];
  return [ok(check, `${pseudonymisationKeyVariable} is set (used by ${names})`)];
}

/** Judges gathered facts. Pure: same facts, same findings. */
export function evaluatePreflight(facts: PreflightFacts, expectations: PreflightExpectations): Finding[] {
  const tables = expectations.connectors.map((connector, index) => {
    const table = facts.tables[index] as TableFacts;
    return { connector, table, published: planPublishedColumns(connector, table) };
  });
  const publishable = tables.filter((entry) => entry.table.exists).map((entry) => entry.published);
  const plan = planPublication(expectations.publicationName, publishable, facts.publication);
  const blockedBy = tables
    .filter((entry) => entry.table.exists && entry.published.problems.length > 0)
    .map((entry) => entry.connector.name);
  return [
    ...serverChecks(facts),
    ...tables.flatMap((entry) => tableChecks({ ...entry, role: facts.role.name })),
    ...publicationChecks({
      facts,
      publicationName: expectations.publicationName,
      published: publishable,
      plan,
      blockedBy,
    }),
    ...slotChecks(facts, expectations.slotName),
    ...pseudonymisationCheck(facts, expectations),
  ];
}

export async function gatherPreflightFacts(
  db: Pick<pg.ClientBase, 'query'>,
  expectations: PreflightExpectations,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PreflightFacts> {
  const key = env[pseudonymisationKeyVariable] ?? '';
  return {
    server: await readServerFacts(db),
    role: await readRoleFacts(db),
    tables: await readTableFacts(
      db,
      expectations.connectors.map((connector) => connector.source),
    ),
    publication: await readPublicationFacts(db, expectations.publicationName),
    slot: await readSlotStatus(db, expectations.slotName),
    pseudonymisationKey:
      key === '' ? 'missing' : key.length < minimumPseudonymisationKeyLength ? 'too-short' : 'ok',
  };
}

export async function runPreflight(
  db: Pick<pg.ClientBase, 'query'>,
  expectations: PreflightExpectations,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Finding[]> {
  return evaluatePreflight(await gatherPreflightFacts(db, expectations, env), expectations);
}

export function hasFailures(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.status === 'fail');
}
