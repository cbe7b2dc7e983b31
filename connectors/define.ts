/**
 * `defineConnector` validates a connector when its file is loaded, so a typo or a policy contradiction fails the
 * process at start-up with the connector's name and the offending field, instead of leaking a column or losing a
 * key at run time. Cross-connector checks (unique names, topics, tables) live in catalogue.ts.
 */
import { z } from 'zod';
import { PipelineError } from '../lib/errors/index.ts';
import type { ColumnPolicy, ConnectorDefinition } from './types.ts';

/**
 * Lower-case SQL identifiers only: they need no quoting to match the catalog, they are valid pgoutput relation
 * and Avro names, and they rule out the "Email" vs "email" class of mistakes in a privacy list.
 */
export const identifierPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** Kafka's legal topic characters and length. */
const topicPattern = /^[A-Za-z0-9._-]{1,249}$/;

const identifier = z.string().regex(identifierPattern, {
  message: 'must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)',
});

const columnList = z.array(identifier).refine((columns) => new Set(columns).size === columns.length, {
  message: 'lists a column twice',
});

const columnPolicy = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('all'),
    exclude: columnList.optional(),
    pseudonymise: columnList.optional(),
  }),
  z.strictObject({
    mode: z.literal('only'),
    include: columnList.min(1, { message: 'needs at least one column' }),
    pseudonymise: columnList.optional(),
  }),
]);

const connectorSchema = z.strictObject({
  name: identifier,
  source: z.strictObject({ schema: identifier, table: identifier }),
  key: columnList.min(1, { message: 'needs at least one column' }).optional(),
  columns: columnPolicy.optional(),
  topic: z
    .string()
    .regex(topicPattern, { message: 'must be a Kafka topic name ([A-Za-z0-9._-], ≤ 249)' })
    .optional(),
  destination: z.strictObject({
    table: identifier,
    conflictColumns: columnList.min(1, { message: 'needs at least one column' }).optional(),
    deletes: z.enum(['soft', 'hard']).optional(),
    truncate: z.enum(['apply', 'record']).optional(),
  }),
  transform: z
    .custom<ConnectorDefinition['transform']>((value) => typeof value === 'function', {
      message: 'must be a function',
    })
    .optional(),
});

export interface ConnectorProblem {
  field: string;
  message: string;
}

/** A connector that cannot be loaded: a programming error in `connectors/`, fatal at start-up. */
export class ConnectorDefinitionError extends PipelineError {
  readonly connector: string;
  readonly problems: readonly ConnectorProblem[];

  constructor(connector: string, problems: readonly ConnectorProblem[]) {
    const lines = problems.map((problem) => `  - ${problem.field}: ${problem.message}`);
    super('CONFIG_INVALID', `Invalid connector "${connector}":\n${lines.join('\n')}`, {
      details: { connector, problems },
    });
    this.name = 'ConnectorDefinitionError';
    this.connector = connector;
    this.problems = problems;
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
    '',
  );
}

/** The policy rules zod cannot express field by field: what a column may be at the same time. */
function policyProblems(definition: ConnectorDefinition): ConnectorProblem[] {
  const problems: ConnectorProblem[] = [];
  const policy: ColumnPolicy = definition.columns ?? { mode: 'all' };
  const pseudonymised = policy.pseudonymise ?? [];
  const excluded = policy.mode === 'all' ? (policy.exclude ?? []) : [];
  const included = policy.mode === 'only' ? policy.include : [];

  pseudonymised.forEach((column, index) => {
    if (excluded.includes(column))
      problems.push({ field: `columns.pseudonymise[${index}]`, message: `"${column}" is also excluded` });
    // Explicit on purpose: in "only" mode every published column is listed in one place, the include list.
    if (policy.mode === 'only' && !included.includes(column))
      problems.push({
        field: `columns.pseudonymise[${index}]`,
        message: `"${column}" is not in columns.include`,
      });
  });

  // A key column must reach Kafka unchanged: it is the message key (partitioning, compaction) and the raw
  // table's conflict target. A pseudonymised key would still be stable, but a key that is personal data is a
  // design problem to solve in the core schema, not here.
  (definition.key ?? []).forEach((column, index) => {
    if (excluded.includes(column))
      problems.push({ field: `key[${index}]`, message: `"${column}" is excluded` });
    if (pseudonymised.includes(column))
      problems.push({ field: `key[${index}]`, message: `"${column}" is pseudonymised` });
  });

  (definition.destination.conflictColumns ?? []).forEach((column, index) => {
    if (excluded.includes(column))
      problems.push({ field: `destination.conflictColumns[${index}]`, message: `"${column}" is excluded` });
    if (policy.mode === 'only' && !included.includes(column) && !(definition.key ?? []).includes(column))
      problems.push({
        field: `destination.conflictColumns[${index}]`,
        message: `"${column}" is neither a key column nor in columns.include`,
      });
  });
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validates a connector and returns it frozen (a connector is configuration: nothing may change it at run time).
 * Throws ConnectorDefinitionError listing every problem, each with its field path.
 */
export function defineConnector(definition: ConnectorDefinition): ConnectorDefinition {
  const name =
    typeof definition?.name === 'string' && definition.name !== '' ? definition.name : '(unnamed connector)';
  const parsed = connectorSchema.safeParse(definition);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      field: fieldPath(issue.path) || '(definition)',
      message: issue.message,
    }));
    throw new ConnectorDefinitionError(name, problems);
  }
  const problems = policyProblems(definition);
  if (problems.length > 0) throw new ConnectorDefinitionError(name, problems);
  return deepFreeze({ ...definition });
}
