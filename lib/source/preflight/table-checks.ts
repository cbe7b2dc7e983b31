/**
 * Per captured table: it exists, the connector's columns exist, it has a key, its replica identity carries
 * that key (and fits the column list), and the reader role may SELECT what it publishes — and nothing else.
 */
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { quoteIdentifier } from '../../../lib/postgres/index.ts';
import type { TableFacts } from '../facts/tables.ts';
import type { PublishedColumns } from '../published-columns.ts';
import { assessReplicaIdentity, replicaIdentityFix } from '../replica-identity.ts';
import { type Finding, fail, ok, warn } from './finding.ts';

export interface TableCheckInput {
  connector: ConnectorDefinition;
  table: TableFacts;
  published: PublishedColumns;
  role: string;
}

const connectorFile = (connector: ConnectorDefinition) => `connectors/${connector.name}.ts`;
const sqlName = (table: TableFacts) => `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.table)}`;
const list = (columns: readonly string[]) => columns.map(quoteIdentifier).join(', ');

function columnsCheck({ connector, published }: TableCheckInput, check: string): Finding {
  const problems = published.problems.filter((problem) => !problem.startsWith('no key'));
  if (problems.length > 0)
    return fail(
      check,
      problems.join('; '),
      `fix the column names (columns, key) in ${connectorFile(connector)}, in the same change as the table's migration`,
    );
  return ok(check, `${published.columns.length} published column(s)`);
}

function keyCheck({ connector, table, published }: TableCheckInput, check: string): Finding {
  if (published.key.length === 0)
    return fail(
      check,
      `${table.schema}.${table.table} has no primary key and ${connector.name} declares no key`,
      `ALTER TABLE ${sqlName(table)} ADD PRIMARY KEY (<key columns>); -- or declare key in ${connectorFile(connector)}`,
    );
  const unique = table.uniqueKeys.some(
    (columns) =>
      columns.length === published.key.length && published.key.every((column) => columns.includes(column)),
  );
  if (connector.key && !unique)
    return warn(
      check,
      `declared key (${published.key.join(', ')}) matches no unique index: two rows could share a Kafka key`,
      `CREATE UNIQUE INDEX CONCURRENTLY ON ${sqlName(table)} (${list(published.key)});`,
    );
  return ok(check, `key (${published.key.join(', ')})${connector.key ? '' : ' = primary key'}`);
}

function identityCheck({ table, published }: TableCheckInput, check: string): Finding {
  const assessment = assessReplicaIdentity(table, published);
  const identity = `REPLICA IDENTITY ${table.replicaIdentity?.toUpperCase()}`;
  const fix = replicaIdentityFix(table, published.key);
  if (!assessment.coveredByColumnList)
    return fail(
      check,
      `${identity} needs columns the publication leaves out (${published.excluded.join(', ')}): PostgreSQL would ` +
        'reject every UPDATE and DELETE on the table',
      fix,
    );
  if (!assessment.coversKey)
    return fail(
      check,
      `${identity} (${assessment.identityColumns?.join(', ') ?? 'no columns'}) does not carry the key ` +
        `(${published.key.join(', ')}): deletes could not be keyed`,
      fix,
    );
  if (table.replicaIdentity === 'full')
    return warn(check, `${identity}: every UPDATE logs the whole old row (more WAL than needed)`, fix);
  return ok(check, `${identity} (${assessment.identityColumns?.join(', ')})`);
}

function privilegeCheck({ table, published, role }: TableCheckInput, check: string): Finding {
  const selectable = (name: string) =>
    table.columns.find((column) => column.name === name)?.selectable === true;
  const missing = published.columns.filter((name) => !selectable(name));
  const grant = `GRANT SELECT (${list(published.columns)}) ON ${sqlName(table)} TO ${quoteIdentifier(role)};`;
  if (missing.length > 0)
    return fail(
      check,
      `role ${role} cannot SELECT ${missing.join(', ')} (initial snapshots read them)`,
      grant,
    );
  const beyond = table.columns.filter(
    (column) => column.selectable && !published.columns.includes(column.name),
  );
  if (beyond.length > 0)
    return warn(
      check,
      `role ${role} can SELECT column(s) it must not publish: ${beyond.map((column) => column.name).join(', ')}`,
      `REVOKE SELECT ON ${sqlName(table)} FROM ${quoteIdentifier(role)}; ${grant}`,
    );
  return ok(check, `role ${role} can SELECT exactly the published columns`);
}

export function tableChecks(input: TableCheckInput): Finding[] {
  const subject = `${input.table.schema}.${input.table.table}`;
  if (!input.table.exists)
    return [
      fail(
        `table.exists ${subject}`,
        `connector ${input.connector.name} captures ${subject}, which does not exist (or is not visible to ${input.role})`,
        `create the table, or remove ${connectorFile(input.connector)} from connectors/index.ts`,
      ),
    ];
  return [
    ok(`table.exists ${subject}`, `${subject} (owner ${input.table.owner})`),
    columnsCheck(input, `table.columns ${subject}`),
    keyCheck(input, `table.key ${subject}`),
    identityCheck(input, `table.replica_identity ${subject}`),
    privilegeCheck(input, `privilege.select ${subject}`),
  ];
}
