/**
 * The captured tables. Adding a table = adding its file and listing it here; the catalogue check fails at load
 * time if two connectors claim the same name, source table, topic or raw table.
 */
import { campaigns } from './campaigns.ts';
import { type ConnectorCatalogue, createConnectorCatalogue, defaultTopicPrefix } from './catalogue.ts';
import { missions } from './missions.ts';
import { partners } from './partners.ts';
import { statEvents } from './stat_events.ts';
import type { ConnectorDefinition } from './types.ts';
import { widgetMissions } from './widget_missions.ts';
import { widgets } from './widgets.ts';

export {
  type ConnectorCatalogue,
  columnPolicyOf,
  createConnectorCatalogue,
  defaultTopicPrefix,
  excludedColumnsOf,
  pseudonymisedColumnsOf,
  qualifiedSourceName,
  topicOf,
} from './catalogue.ts';
export { ConnectorDefinitionError, type ConnectorProblem, defineConnector } from './define.ts';
export type * from './types.ts';

/** In foreign-key order, which is also the order initial snapshots should follow. */
export const allConnectors: readonly ConnectorDefinition[] = Object.freeze([
  partners,
  missions,
  widgets,
  widgetMissions,
  campaigns,
  statEvents,
]);

// Checked once at load with the default prefix (so a clash fails every entry point, not just the reader);
// services with another KAFKA_TOPIC_PREFIX build their own view with connectorCatalogue(prefix).
const defaultCatalogue = createConnectorCatalogue(allConnectors, defaultTopicPrefix);

export function connectorCatalogue(topicPrefix: string = defaultTopicPrefix): ConnectorCatalogue {
  return topicPrefix === defaultTopicPrefix
    ? defaultCatalogue
    : createConnectorCatalogue(allConnectors, topicPrefix);
}

export function connectorByName(name: string): ConnectorDefinition | undefined {
  return defaultCatalogue.byName(name);
}

export function connectorByTopic(
  topic: string,
  topicPrefix: string = defaultTopicPrefix,
): ConnectorDefinition | undefined {
  return connectorCatalogue(topicPrefix).byTopic(topic);
}
