/**
 * The set of captured tables the stream has described so far, by relation oid. A relation message that says
 * the table changed (or first appears) rebuilds its CapturedTable; rows are always encoded with the table as
 * described by the latest relation message before them, which is how pgoutput orders them.
 *
 * A table whose new schema the registry rejects is paused, alone: its changes are skipped (and held in the slot,
 * see InFlightTransactions.hold) while the other tables stream on. So is a table one of whose messages its
 * topic refused as too large (oversized-tables.ts); that pause is lifted by the topic's limit, not the registry.
 * And so is a table one of whose values the row mapper cannot map (unmappable-tables.ts): only a deploy lifts
 * that one.
 */
import type { ConnectorCatalogue } from '../../../connectors/index.ts';
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { TableRef } from '../model.ts';
import type { Relation } from '../replication/index.ts';
import {
  type CapturedTable,
  type PauseCause,
  type PrepareContext,
  prepareCapturedTable,
} from './captured-table.ts';
import { type OversizedTables, oversizedError } from './oversized-tables.ts';
import { type UnmappableTables, unmappableError, unmappableFacts } from './unmappable-tables.ts';

interface PausedTable {
  connector: ConnectorDefinition;
  topic: string;
  /** The latest description of the table: what a resume must be able to register. */
  relation: Relation;
  error: PipelineError;
  cause: PauseCause;
}

export class CapturedTables {
  private readonly byOid = new Map<number, CapturedTable>();
  private readonly paused = new Map<number, PausedTable>();

  constructor(
    private readonly connectors: ConnectorCatalogue,
    private readonly context: PrepareContext,
    private readonly oversized?: OversizedTables,
    /** Tables paused for an unmappable value, kept across the runs of this process (unmappable-tables.ts). */
    private readonly unmappable?: UnmappableTables,
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
      this.pause(relation, {
        connector,
        topic,
        relation,
        error: oversizedError(tooLarge),
        cause: 'too-large',
      });
      return undefined;
    }
    const unmappable = this.unmappable?.get(topic);
    if (unmappable) {
      this.pause(relation, { connector, topic, relation, error: unmappable, cause: 'unmappable' });
      return undefined;
    }
    try {
      const table = await prepareCapturedTable(connector, topic, relation, this.context);
      this.byOid.set(relation.relationOid, table);
      this.context.onPaused?.(connector.name, false);
      return table;
    } catch (error) {
      if (!(error instanceof PipelineError) || error.code !== 'SCHEMA_INCOMPATIBLE') throw error;
      const paused = pausedError(relation, topic, connector, error);
      this.pause(relation, { connector, topic, relation, error: paused, cause: 'schema' });
      return undefined;
    }
  }

  private pause(table: TableRef, paused: PausedTable): void {
    this.byOid.delete(table.relationOid);
    this.paused.set(table.relationOid, paused);
    this.context.onPaused?.(paused.connector.name, true, paused.cause);
  }

  /**
   * Pauses the table of a change whose values the row mapper could not map (`error`, DECODE_FAILED), for the
   * rest of this process (see unmappable-tables.ts); returns the error to log. Any other error is not a
   * value's: undefined, and the caller throws it.
   */
  pauseUnmappable(table: TableRef, error: unknown): PipelineError | undefined {
    const facts = unmappableFacts(error);
    const captured = this.byOid.get(table.relationOid);
    if (!facts || !captured) return undefined;
    const { connector, topic, relation } = captured;
    const key = captured.definition.keyColumns.includes(facts.column);
    const paused = unmappableError({ table: connector.name, topic, ...facts, key }, error as PipelineError);
    this.unmappable?.pause(topic, paused);
    this.pause(table, { connector, topic, relation, error: paused, cause: 'unmappable' });
    return paused;
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
      // Too large: lifted by its topic's limit (oversized-tables.ts); unmappable: by a deploy only.
      if (table.cause !== 'schema') continue;
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
