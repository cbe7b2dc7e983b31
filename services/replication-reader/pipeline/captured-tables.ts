/**
 * The set of captured tables the stream has described so far, by relation oid. A relation message that says
 * the table changed (or first appears) rebuilds its CapturedTable; rows are always encoded with the table as
 * described by the latest relation message before them, which is how pgoutput orders them.
 *
 * A table whose new schema the registry rejects is paused, alone: its changes are skipped (and held in the slot,
 * see InFlightTransactions.hold) while the other tables stream on. So is a table one of whose messages its
 * topic refused as too large (oversized-tables.ts); that pause is lifted by the topic's limit, not the registry.
 */
import type { ConnectorCatalogue } from '../../../connectors/index.ts';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { TableRef } from '../model.ts';
import type { Relation } from '../replication/index.ts';
import { type CapturedTable, type PrepareContext, prepareCapturedTable } from './captured-table.ts';
import { type OversizedTables, oversizedError } from './oversized-tables.ts';

interface PausedTable {
  connector: ConnectorDefinition;
  topic: string;
  /** The latest description of the table: what a resume must be able to register. */
  relation: Relation;
  error: PipelineError;
}

export class CapturedTables {
  private readonly byOid = new Map<number, CapturedTable>();
  private readonly paused = new Map<number, PausedTable>();

  constructor(
    private readonly connectors: ConnectorCatalogue,
    private readonly context: PrepareContext,
    private readonly oversized?: OversizedTables,
  ) {}

  /**
   * Prepares the table for the changes that follow; undefined when the table is paused: the registry rejected
   * its new schema. A paused table stays paused for the rest of the session (its skipped changes can only come
   * back by replaying from the slot), whatever later relation messages say.
   */
  async describe(relation: Relation): Promise<CapturedTable | undefined> {
    const connector = this.connectors.bySource(relation.schema, relation.table);
    if (!connector) {
      // The publication is built from the connectors, so this means someone added a table to it by hand.
      throw new PipelineError(
        'CONFIG_INVALID',
        `the publication streams ${relation.schema}.${relation.table}, which no connector captures: remove it from the publication or add a connector`,
      );
    }
    const topic = this.connectors.topicOf(connector);
    const paused = this.paused.get(relation.relationOid);
    if (paused) {
      paused.relation = relation;
      return undefined;
    }
    const tooLarge = this.oversized?.get(topic);
    if (tooLarge) {
      this.byOid.delete(relation.relationOid);
      this.paused.set(relation.relationOid, { connector, topic, relation, error: oversizedError(tooLarge) });
      this.context.onPaused?.(connector.name, true, 'too-large');
      return undefined;
    }
    try {
      const table = await prepareCapturedTable(connector, topic, relation, this.context);
      this.byOid.set(relation.relationOid, table);
      this.context.onPaused?.(connector.name, false);
      return table;
    } catch (error) {
      if (!(error instanceof PipelineError) || error.code !== 'SCHEMA_INCOMPATIBLE') throw error;
      this.byOid.delete(relation.relationOid);
      this.paused.set(relation.relationOid, {
        connector,
        topic,
        relation,
        error: pausedError(relation, topic, connector, error),
      });
      this.context.onPaused?.(connector.name, true);
      return undefined;
    }
  }

  /**
   * The table as described so far, or described now from `relation` (built from the catalog) when the stream has
   * not described it yet: an incremental snapshot may start before the table's first change of the session.
   */
  async ensureDescribed(relation: Relation): Promise<CapturedTable | undefined> {
    if (this.paused.has(relation.relationOid)) return undefined;
    return this.byOid.get(relation.relationOid) ?? (await this.describe(relation));
  }

  /** The table as last described; undefined while it is paused. */
  get(table: TableRef): CapturedTable | undefined {
    const captured = this.byOid.get(table.relationOid);
    if (captured) return captured;
    if (this.paused.has(table.relationOid)) return undefined;
    throw new PipelineError(
      'INTERNAL',
      `change on ${table.schema}.${table.table} before its relation message`,
    );
  }

  /** The actionable error of a paused table (for the log line and the operator). */
  pauseReason(table: TableRef): PipelineError | undefined {
    return this.paused.get(table.relationOid)?.error;
  }

  get pausedCount(): number {
    return this.paused.size;
  }

  /**
   * Tries to register the schemas of every paused table again; true when at least one is accepted now, which
   * means a replay from the slot will stream it (the others pause again on the way).
   */
  async retryPaused(): Promise<boolean> {
    for (const table of this.paused.values()) {
      if (this.oversized?.get(table.topic)) continue; // lifted by its topic's limit (oversized-tables.ts)
      try {
        await prepareCapturedTable(table.connector, table.topic, table.relation, this.context);
        return true;
      } catch (error) {
        if (!(error instanceof PipelineError) || error.code !== 'SCHEMA_INCOMPATIBLE') throw error;
      }
    }
    return false;
  }

  all(): CapturedTable[] {
    return [...this.byOid.values()];
  }
}

function pausedError(
  relation: Relation,
  topic: string,
  connector: ConnectorDefinition,
  error: PipelineError,
): PipelineError {
  return new PipelineError(
    'SCHEMA_INCOMPATIBLE',
    `table ${relation.schema}.${relation.table} is paused: ${error.message}. Nothing is lost: the slot holds ` +
      `its changes (other tables keep streaming; the slot's confirmed position waits). To accept a deliberate ` +
      `break, set the compatibility of subject ${topic}-value to NONE ` +
      `(Confluent: PUT /config/${topic}-value {"compatibility":"NONE"}; Apicurio ignores that and needs POST ` +
      `/apis/registry/v3/groups/default/artifacts/${topic}-value/rules {"ruleType":"COMPATIBILITY","config":"NONE"}); ` +
      'the reader checks again by itself and resumes the table by replaying from the slot',
    { cause: error, details: { table: connector.name, topic } },
  );
}
