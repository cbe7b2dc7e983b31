/**
 * The publication against the connectors: it exists, publishes every operation, exactly the captured tables,
 * and per table exactly the columns the policy allows. An excluded column that is published is a privacy
 * failure, reported on its own line. Every fix is the one plan of publication-plan.ts, so what preflight
 * prints is what the reader would apply.
 */
import type { PublishedTableFacts } from '../facts/publication.ts';
import type { PublicationPlan } from '../publication-plan.ts';
import { publishedOperations } from '../publication-plan.ts';
import type { PublishedColumns } from '../published-columns.ts';
import { type Finding, fail, ok, type PreflightFacts, warn } from './finding.ts';

export interface PublicationCheckInput {
  facts: PreflightFacts;
  publicationName: string;
  /** Only the connectors whose table exists (others are reported by the table checks). */
  published: readonly PublishedColumns[];
  plan: PublicationPlan;
  /** Connectors that cannot be published as declared: no SQL is offered until they are fixed. */
  blockedBy: readonly string[];
}

const subjectOf = (table: { schema: string; table: string }) => `${table.schema}.${table.table}`;

function columnChecks(
  expected: PublishedColumns,
  actual: PublishedTableFacts,
  generated: readonly string[],
  fix: string,
): Finding[] {
  const subject = subjectOf(expected);
  // attnames lists generated columns of a table without a column list, but PostgreSQL 15 never sends them.
  const sent = actual.columns.filter((column) => !generated.includes(column));
  const findings: Finding[] = [];
  const leaked = expected.excluded.filter((column) => sent.includes(column));
  findings.push(
    leaked.length > 0
      ? fail(
          `publication.privacy ${subject}`,
          `PRIVACY: excluded column(s) ${leaked.join(', ')} are published and leave the core database`,
          fix,
        )
      : ok(`publication.privacy ${subject}`, `no excluded column is published`),
  );
  const missing = expected.columns.filter((column) => !sent.includes(column));
  const extra = sent.filter((column) => !expected.columns.includes(column) && !leaked.includes(column));
  const problems = [
    ...(missing.length > 0 ? [`not published: ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`published beyond the connector's policy: ${extra.join(', ')}`] : []),
    ...(actual.rowFilter !== null ? [`row filter ${actual.rowFilter} (connectors declare none)`] : []),
  ];
  if (problems.length > 0) {
    findings.push(fail(`publication.columns ${subject}`, problems.join('; '), fix));
  } else if (expected.columnList === null && actual.hasColumnList) {
    findings.push(
      warn(
        `publication.columns ${subject}`,
        'published with a column list although nothing is excluded: a column added later would not be published',
        fix,
      ),
    );
  } else {
    findings.push(ok(`publication.columns ${subject}`, `publishes ${sent.join(', ')}`));
  }
  return findings;
}

export function publicationChecks({
  facts,
  publicationName,
  published,
  plan,
  blockedBy,
}: PublicationCheckInput): Finding[] {
  const publication = facts.publication;
  // The plan of a broken connector could publish what it should not (e.g. a renamed excluded column).
  const fix =
    blockedBy.length > 0
      ? `fix the table.columns / table.key failures of ${blockedBy.join(', ')} first; the publication SQL depends on them`
      : plan.statements.join('\n');
  if (publication === null)
    return [
      fail(
        'publication.exists',
        `publication ${publicationName} does not exist; a role owning the captured tables must create it`,
        fix,
      ),
    ];
  const findings: Finding[] = [ok('publication.exists', `${publicationName} (owner ${publication.owner})`)];
  if (publication.allTables)
    findings.push(
      fail('publication.all_tables', 'FOR ALL TABLES: every table and column leaves the core database', fix),
    );

  const missingOperations = publishedOperations.filter((operation) => !publication.operations[operation]);
  findings.push(
    missingOperations.length > 0
      ? fail('publication.operations', `does not publish ${missingOperations.join(', ')}`, fix)
      : ok('publication.operations', `publishes ${publishedOperations.join(', ')}`),
  );

  const isExpected = (table: { schema: string; table: string }) =>
    published.some((expected) => subjectOf(expected) === subjectOf(table));
  const missingTables = published.filter(
    (expected) => !publication.tables.some((actual) => subjectOf(actual) === subjectOf(expected)),
  );
  const extraTables = publication.tables.filter((actual) => !isExpected(actual));
  const tableProblems = [
    ...(missingTables.length > 0 ? [`missing: ${missingTables.map(subjectOf).join(', ')}`] : []),
    ...(extraTables.length > 0
      ? [`published without a connector (no reviewed policy): ${extraTables.map(subjectOf).join(', ')}`]
      : []),
  ];
  findings.push(
    tableProblems.length > 0
      ? fail('publication.tables', tableProblems.join('; '), fix)
      : ok('publication.tables', `exactly the ${published.length} captured table(s)`),
  );

  for (const expected of published) {
    const actual = publication.tables.find((table) => subjectOf(table) === subjectOf(expected));
    if (!actual) continue;
    const table = facts.tables.find((candidate) => subjectOf(candidate) === subjectOf(expected));
    const generated = table?.columns.filter((column) => column.generated).map((column) => column.name) ?? [];
    findings.push(...columnChecks(expected, actual, generated, fix));
  }
  return findings;
}
