/**
 * The set of captured tables the stream has described so far, by relation oid. A relation message that says
 * the table changed (or first appears) rebuilds its CapturedTable; rows are always encoded with the table as
 * described by the latest relation message before them, which is how pgoutput orders them.
 */
import type { ConnectorCatalogue } from '../../../connectors/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { TableRef } from '../model.ts';
import type { Relation } from '../replication/index.ts';
import { type CapturedTable, type PrepareContext, prepareCapturedTable } from './captured-table.ts';

export class CapturedTables {
  private readonly byOid = new Map<number, CapturedTable>();

  constructor(
    private readonly connectors: ConnectorCatalogue,
    private readonly context: PrepareContext,
  ) {}

  async describe(relation: Relation): Promise<CapturedTable> {
    const connector = this.connectors.bySource(relation.schema, relation.table);
    if (!connector) {
      // The publication is built from the connectors, so this means someone added a table to it by hand.
      throw new PipelineError(
        'CONFIG_INVALID',
        `the publication streams ${relation.schema}.${relation.table}, which no connector captures: remove it from the publication or add a connector`,
      );
    }
    const topic = this.connectors.topicOf(connector);
    try {
      const table = await prepareCapturedTable(connector, topic, relation, this.context);
      this.byOid.set(relation.relationOid, table);
      this.context.onPaused?.(connector.name, false);
      return table;
    } catch (error) {
      if (!(error instanceof PipelineError) || error.code !== 'SCHEMA_INCOMPATIBLE') throw error;
      // Nothing past this point is confirmed, so the slot keeps every change of the table until it is fixed.
      this.context.onPaused?.(connector.name, true);
      throw new PipelineError(
        'SCHEMA_INCOMPATIBLE',
        `table ${relation.schema}.${relation.table} is paused: ${error.message}. Nothing is lost: the slot holds ` +
          `its changes. To accept a deliberate break, set the compatibility of subject ${topic}-value to NONE ` +
          `(Confluent: PUT /config/${topic}-value {"compatibility":"NONE"}; Apicurio ignores that and needs POST ` +
          `/apis/registry/v3/groups/default/artifacts/${topic}-value/rules {"ruleType":"COMPATIBILITY","config":"NONE"}); ` +
          'the reader retries by itself',
        { cause: error, details: { table: connector.name, topic } },
      );
    }
  }

  get(table: TableRef): CapturedTable {
    const captured = this.byOid.get(table.relationOid);
    if (!captured) {
      throw new PipelineError(
        'INTERNAL',
        `change on ${table.schema}.${table.table} before its relation message`,
      );
    }
    return captured;
  }

  all(): CapturedTable[] {
    return [...this.byOid.values()];
  }
}
