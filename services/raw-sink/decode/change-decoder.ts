/**
 * Kafka messages of one topic → the changes the apply step writes. The value's writer schema (by its id, with
 * its `cdc.column` attributes) says which raw column each field fills and how to write it as PostgreSQL text.
 * A column the writer schema does not have is written NULL: either it did not exist yet when the change was
 * made (an older schema), or it was dropped at the source (raw keeps the column, new versions fill it with
 * NULL). Tombstones carry nothing the delete event before them did not, so they are skipped.
 *
 * A connector's `transform` sees the row as a record of raw column names to decoded values (an unchanged TOAST
 * value is `unchangedToastValue`, a value its Avro type cannot hold a `PgTextValue`: pass them through) and
 * returns the record to land, or null to skip the change.
 * Its result is validated before anything reaches the database: it must be an object of known raw columns,
 * with the conflict columns set, and every value must have its column's type. A throwing transform is
 * TRANSFORM_FAILED and an invalid result VALIDATION_FAILED: both dead-letter that message only.
 */

import { PgTextValue, unchangedToastValue } from '../../../lib/avro/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import { schemaIdOf } from '../../../lib/registry/framing.ts';
import type { SchemaRegistryClient } from '../../../lib/registry/index.ts';
import type { RowChange, TableChange } from '../apply/coalesce.ts';
import { collectNamed, type PgText, type TextWriter, unchanged, writerFor } from '../values/pg-text.ts';

export interface ConsumedMessage {
  partition: number;
  offset: bigint;
  value: Buffer | null;
}

export type DecodedMessage =
  | { kind: 'change'; change: TableChange; schemaId: number }
  | { kind: 'tombstone' }
  /** The connector's transform returned null: nothing to land. */
  | { kind: 'skipped'; schemaId: number };

/** A raw column a writer schema fills, with the PostgreSQL type the reader chose for it (when it says). */
export interface SchemaColumn {
  column: string;
  sqlType: string | undefined;
}

export type Transform = (row: Record<string, unknown>) => Record<string, unknown> | null;

export interface ChangeDecoderOptions {
  /** The raw table's conflict columns, in order: the identity of a row within its table. */
  conflictColumns: readonly string[];
  /** The raw table's current columns (it may grow at run time): what a transform's result may name. */
  rawColumns: () => ReadonlySet<string>;
  transform?: Transform;
}

interface FieldPlan {
  field: string;
  column: string;
  sqlType: string | undefined;
  write: TextWriter;
}

type Json = Record<string, unknown>;

interface Envelope {
  op: string;
  before: Json | null;
  after: Json | null;
  source: { commit_lsn: bigint | null; lsn: bigint | null; ts_us: bigint; snapshot?: string | null };
}

/** The reader's end of a table's snapshot: an `r` without a row, labelled so (see schemas/README.md). */
function isSnapshotEnd(envelope: Envelope): boolean {
  return (
    envelope.op === 'r' &&
    envelope.before === null &&
    envelope.after === null &&
    envelope.source.snapshot === 'last_in_data_collection'
  );
}

/**
 * The envelope's row record (`before`/`after`: unions of null and the row; the record is defined in the first
 * of them and referenced by name in the second).
 */
export function rowRecordOf(envelope: unknown): {
  fields: { name: string; type: unknown; 'cdc.column'?: unknown; 'cdc.sqlType'?: unknown }[];
} {
  const fields = ((envelope as Json).fields ?? []) as { name: string; type: unknown }[];
  for (const name of ['before', 'after']) {
    const field = fields.find((candidate) => candidate.name === name);
    const branches = Array.isArray(field?.type) ? field.type : [field?.type];
    const row = branches.find(
      (branch) => typeof branch === 'object' && branch !== null && (branch as Json).type === 'record',
    );
    if (row) return row as ReturnType<typeof rowRecordOf>;
  }
  throw new PipelineError('SCHEMA_INCOMPATIBLE', 'the value schema has no row record in `before` or `after`');
}

export class ChangeDecoder {
  private readonly plans = new Map<number, Promise<FieldPlan[]>>();

  constructor(
    private readonly registry: Pick<SchemaRegistryClient, 'decode' | 'schemaById'>,
    private readonly options: ChangeDecoderOptions,
  ) {}

  /** The raw columns a writer schema fills (the sink adds the missing ones to the raw table). */
  async columnsOf(schemaId: number): Promise<SchemaColumn[]> {
    return (await this.planFor(schemaId)).map(({ column, sqlType }) => ({ column, sqlType }));
  }

  async decode(message: ConsumedMessage): Promise<DecodedMessage> {
    if (message.value === null) return { kind: 'tombstone' };
    const id = schemaIdOf(message.value);
    if (id === undefined) throw new PipelineError('DECODE_FAILED', 'not a Confluent-framed Avro message');
    const plan = await this.planFor(id);
    const envelope = (await this.registry.decode(message.value)) as Envelope;
    const position = {
      commitLsn: envelope.source.commit_lsn ?? 0n,
      lsn: envelope.source.lsn ?? 0n,
      committedAtMicros: envelope.source.ts_us,
      partition: message.partition,
      offset: message.offset,
    };
    if (envelope.op === 't') return { kind: 'change', change: { op: 't', ...position }, schemaId: id };
    if (isSnapshotEnd(envelope)) {
      return { kind: 'change', change: { op: 'snapshot-end', ...position }, schemaId: id };
    }
    if (envelope.op !== 'c' && envelope.op !== 'u' && envelope.op !== 'd' && envelope.op !== 'r') {
      throw new PipelineError(
        'DECODE_FAILED',
        `unknown operation ${JSON.stringify(envelope.op).slice(0, 20)}`,
      );
    }
    const row = envelope.op === 'd' ? envelope.before : envelope.after;
    if (!row) throw new PipelineError('DECODE_FAILED', `a ${envelope.op} event without its row`);
    const values = this.options.transform
      ? this.transformed(plan, row)
      : this.written(plan, row, 'DECODE_FAILED');
    if (values === null) return { kind: 'skipped', schemaId: id };
    const key = this.options.conflictColumns.map((column) => {
      const value = values[column];
      if (value === undefined || value === null || value === unchanged) {
        throw new PipelineError('VALIDATION_FAILED', `conflict column ${column} is missing from the change`);
      }
      return value;
    });
    return {
      kind: 'change',
      change: { op: envelope.op, key: JSON.stringify(key), values, ...position },
      schemaId: id,
    };
  }

  /** The row's fields → PostgreSQL text by raw column, each with its field's writer. */
  private written(
    plan: readonly FieldPlan[],
    row: Json,
    code: 'DECODE_FAILED' | 'VALIDATION_FAILED',
  ): RowChange['values'] {
    const values: RowChange['values'] = {};
    for (const field of plan) {
      try {
        values[field.column] = field.write(row[field.field] ?? null);
      } catch (error) {
        throw new PipelineError(code, `column ${field.column}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    return values;
  }

  /** The connector's transform over the row by column name, its result checked and written as text. */
  private transformed(plan: readonly FieldPlan[], row: Json): RowChange['values'] | null {
    const record: Record<string, unknown> = {};
    for (const field of plan) record[field.column] = row[field.field] ?? null;
    let result: unknown;
    try {
      result = (this.options.transform as Transform)(record);
    } catch (error) {
      // The transform's own message (its author wrote it; it should name the problem, not the data).
      const message = error instanceof Error ? error.message : String(error);
      throw new PipelineError('TRANSFORM_FAILED', `transform threw: ${message.slice(0, 300)}`, {
        cause: error,
      });
    }
    if (result === null) return null;
    if (typeof result !== 'object' || Array.isArray(result) || result === undefined) {
      throw new PipelineError(
        'VALIDATION_FAILED',
        `transform must return a record or null, not ${Array.isArray(result) ? 'an array' : typeof result}`,
      );
    }
    const output = result as Record<string, unknown>;
    const known = this.options.rawColumns();
    const unknown = Object.keys(output).filter((column) => !known.has(column));
    if (unknown.length > 0) {
      throw new PipelineError(
        'VALIDATION_FAILED',
        `transform returned column(s) the raw table does not have: ${unknown.join(', ')} (add them with a migration)`,
      );
    }
    const byColumn = new Map(plan.map((field) => [field.column, field]));
    const values: RowChange['values'] = {};
    for (const [column, value] of Object.entries(output)) {
      const field = byColumn.get(column);
      try {
        values[column] = field ? field.write(value) : genericText(value);
      } catch (error) {
        throw new PipelineError(
          'VALIDATION_FAILED',
          `transform result, column ${column}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    return values;
  }

  private planFor(id: number): Promise<FieldPlan[]> {
    let plan = this.plans.get(id);
    if (!plan) {
      plan = this.registry.schemaById(id).then((schema) => {
        // Named types (cdc.UnchangedToast...) are defined once, in the first field that uses them.
        const named = new Map();
        collectNamed(schema as never, named);
        return rowRecordOf(schema).fields.map((field) => ({
          field: field.name,
          column: typeof field['cdc.column'] === 'string' ? field['cdc.column'] : field.name,
          sqlType: typeof field['cdc.sqlType'] === 'string' ? field['cdc.sqlType'] : undefined,
          write: writerFor(field.type as never, named),
        }));
      });
      plan.catch(() => this.plans.delete(id));
      this.plans.set(id, plan);
    }
    return plan;
  }
}

/**
 * A column a transform adds that the writer schema does not have (a derived column): PostgreSQL parses the
 * text form of plain JavaScript values; anything else is rejected by name.
 */
function genericText(value: unknown): PgText {
  if (value === null || value === undefined) return null;
  if (value === unchangedToastValue) return unchanged;
  if (value instanceof PgTextValue) return value.text;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      if (value instanceof Date) return value.toISOString();
      if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
      throw new PipelineError('VALIDATION_FAILED', `expected a scalar, got a ${typeof value}`);
  }
}
