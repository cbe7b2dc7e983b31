/**
 * Tables paused because one of their values cannot be mapped (a DECODE_FAILED error of the row mapper).
 *
 * Every value PostgreSQL accepts is meant to reach Kafka (see mapping/README.md: what a typed branch cannot hold
 * travels as exact text), so what remains here is rare: a key value beyond its Avro type, a type the reader
 * misreads. Such a change would otherwise stop every table, for good (each retry meets it again). Instead that
 * table alone is paused, like one whose schema the registry rejected (captured-tables.ts): its changes are
 * held in the slot, the other tables stream on.
 *
 * Nothing but a deploy changes the outcome (the value, its relation message and the connector are fixed), so
 * there is no retry timer, and the pause outlives the run: a replay from the slot (another table resumed, a
 * broker outage) meets the value again, and would only flip the table to streaming and back. A new reader
 * process (with the column excluded, another key, or a reader that maps the value) replays and streams it.
 */
import { PipelineError } from '../../../lib/errors/index.ts';

export interface UnmappableValue {
  /** Connector name (for alerts and metrics). */
  table: string;
  topic: string;
  /** The source column, its PostgreSQL type, and whether it is a key column: never the value. */
  column: string;
  type: string;
  key: boolean;
}

export class UnmappableTables {
  private readonly byTopic = new Map<string, PipelineError>();

  pause(topic: string, error: PipelineError): void {
    this.byTopic.set(topic, error);
  }

  get(topic: string): PipelineError | undefined {
    return this.byTopic.get(topic);
  }

  get size(): number {
    return this.byTopic.size;
  }
}

/** The facts of a row mapper's DECODE_FAILED error (mapping/row-mapper.ts), or undefined for any other error. */
export function unmappableFacts(error: unknown): { column: string; type: string } | undefined {
  if (!(error instanceof PipelineError) || error.code !== 'DECODE_FAILED') return undefined;
  const { column, type } = error.details as { column?: unknown; type?: unknown };
  return typeof column === 'string' && typeof type === 'string' ? { column, type } : undefined;
}

/** The error a paused table reports: what happened, that nothing is lost, and the ways out. */
export function unmappableError(value: UnmappableValue, cause: PipelineError): PipelineError {
  const fix = value.key
    ? `declare a key without ${value.column} in connector ${value.table} (key: [...]) and redeploy`
    : `exclude ${value.column} in connector ${value.table} (columns: { mode: 'all', exclude: ['${value.column}'] }) and redeploy`;
  return new PipelineError(
    'DECODE_FAILED',
    `table ${value.table} is paused: a value of its column ${value.column} (${value.type}) cannot be mapped: ` +
      `${cause.message}. Nothing is lost: the slot holds its changes (other tables keep streaming; the ` +
      `slot's confirmed position waits). Either ${fix}, or upgrade the reader to a version that maps it; ` +
      'the new reader replays the slot and streams the table',
    {
      cause,
      retriable: false,
      details: { table: value.table, topic: value.topic, column: value.column, type: value.type },
    },
  );
}
