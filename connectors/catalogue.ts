/**
 * A set of connectors seen as a whole: what must be unique across them (name, source table, topic, raw table),
 * the default topic name of the data contract, and lookups by name and topic. Pure, so the reader, the sink and
 * the tests build the same view from any list.
 */
import { ConnectorDefinitionError, type ConnectorProblem } from './define.ts';
import type { ColumnPolicy, ConnectorDefinition } from './types.ts';

/** The data contract's default topic prefix (KAFKA_TOPIC_PREFIX). */
export const defaultTopicPrefix = 'core';

/** `<prefix>.<schema>.<table>` unless the connector names its topic. */
export function topicOf(connector: ConnectorDefinition, prefix = defaultTopicPrefix): string {
  return connector.topic ?? `${prefix}.${connector.source.schema}.${connector.source.table}`;
}

export function qualifiedSourceName(connector: ConnectorDefinition): string {
  return `${connector.source.schema}.${connector.source.table}`;
}

export function columnPolicyOf(connector: ConnectorDefinition): ColumnPolicy {
  return connector.columns ?? { mode: 'all' };
}

export function excludedColumnsOf(connector: ConnectorDefinition): readonly string[] {
  const policy = columnPolicyOf(connector);
  return policy.mode === 'all' ? (policy.exclude ?? []) : [];
}

export function pseudonymisedColumnsOf(connector: ConnectorDefinition): readonly string[] {
  return columnPolicyOf(connector).pseudonymise ?? [];
}

export interface ConnectorCatalogue {
  readonly connectors: readonly ConnectorDefinition[];
  readonly topicPrefix: string;
  byName(name: string): ConnectorDefinition | undefined;
  byTopic(topic: string): ConnectorDefinition | undefined;
  bySource(schema: string, table: string): ConnectorDefinition | undefined;
  topicOf(connector: ConnectorDefinition): string;
}

function duplicates(
  connectors: readonly ConnectorDefinition[],
  field: string,
  read: (connector: ConnectorDefinition) => string,
): ConnectorProblem[] {
  const firstOwner = new Map<string, string>();
  const problems: ConnectorProblem[] = [];
  for (const connector of connectors) {
    const value = read(connector);
    const owner = firstOwner.get(value);
    if (owner === undefined) firstOwner.set(value, connector.name);
    else
      problems.push({
        field: `${connector.name}: ${field}`,
        message: `"${value}" is already used by connector "${owner}"`,
      });
  }
  return problems;
}

/**
 * Checks that the set is consistent and returns its lookups. One connector per source table (a table is in the
 * publication once, with one column list), one per topic, one per raw table, names unique.
 */
export function createConnectorCatalogue(
  connectors: readonly ConnectorDefinition[],
  topicPrefix = defaultTopicPrefix,
): ConnectorCatalogue {
  const problems = [
    ...duplicates(connectors, 'name', (connector) => connector.name),
    ...duplicates(connectors, 'source', qualifiedSourceName),
    ...duplicates(connectors, 'topic', (connector) => topicOf(connector, topicPrefix)),
    ...duplicates(connectors, 'destination.table', (connector) => connector.destination.table),
  ];
  if (problems.length > 0) throw new ConnectorDefinitionError('(connector set)', problems);

  const byName = new Map(connectors.map((connector) => [connector.name, connector]));
  const byTopic = new Map(connectors.map((connector) => [topicOf(connector, topicPrefix), connector]));
  const bySource = new Map(connectors.map((connector) => [qualifiedSourceName(connector), connector]));
  return {
    connectors,
    topicPrefix,
    byName: (name) => byName.get(name),
    byTopic: (topic) => byTopic.get(topic),
    bySource: (schema, table) => bySource.get(`${schema}.${table}`),
    topicOf: (connector) => topicOf(connector, topicPrefix),
  };
}
