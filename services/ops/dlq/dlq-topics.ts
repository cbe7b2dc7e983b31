/**
 * Which DLQ topics a `cdc dlq` command looks at. By default those of every captured connector, plus any
 * `<prefix>.*.dlq` topic no connector owns any more (a table dropped from capture can still hold letters).
 * `--topic` names one by connector name, topic or DLQ topic.
 */
import type { ConnectorCatalogue } from '../../../connectors/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import { deadLetterTopic, isDeadLetterTopic, sourceTopicOf } from '../../../lib/kafka/dead-letters.ts';

export interface DlqTopic {
  dlqTopic: string;
  /** The captured topic the letters came from, and go back to. */
  sourceTopic: string;
  connector: string | undefined;
  /** The sink creates a DLQ topic when it starts; before that there is none. */
  exists: boolean;
}

function scope(catalogue: ConnectorCatalogue, existing: ReadonlySet<string>, sourceTopic: string): DlqTopic {
  const dlqTopic = deadLetterTopic(sourceTopic);
  return {
    dlqTopic,
    sourceTopic,
    connector: catalogue.byTopic(sourceTopic)?.name,
    exists: existing.has(dlqTopic),
  };
}

export function resolveDlqTopics(
  catalogue: ConnectorCatalogue,
  existing: ReadonlySet<string>,
  requested: readonly string[],
): DlqTopic[] {
  if (requested.length === 0) {
    const captured = catalogue.connectors.map((connector) => catalogue.topicOf(connector));
    const orphans = [...existing]
      .filter((topic) => topic.startsWith(`${catalogue.topicPrefix}.`) && isDeadLetterTopic(topic))
      .map(sourceTopicOf)
      .filter((topic) => !catalogue.byTopic(topic))
      .sort();
    return [...captured, ...orphans].map((topic) => scope(catalogue, existing, topic));
  }
  const resolved = new Map<string, DlqTopic>();
  for (const name of requested) {
    const connector = catalogue.byName(name);
    const sourceTopic = connector
      ? catalogue.topicOf(connector)
      : isDeadLetterTopic(name)
        ? sourceTopicOf(name)
        : name;
    const topic = scope(catalogue, existing, sourceTopic);
    if (!topic.connector && !topic.exists) {
      const known = catalogue.connectors.map((candidate) => candidate.name).join(', ');
      throw new PipelineError(
        'INVALID_ARGUMENT',
        `dlq: no connector or dead-letter topic named ${name} (connectors: ${known}; topics: <topic> or <topic>.dlq)`,
      );
    }
    resolved.set(topic.dlqTopic, topic);
  }
  return [...resolved.values()];
}
