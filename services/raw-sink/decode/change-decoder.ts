/**
 * Kafka messages of one topic → the changes the apply step writes. The value's writer schema (by its id, with
 * its `cdc.column` attributes) says which raw column each field fills and how to write it as PostgreSQL text;
 * the raw column's current type may change how (a timestamp written into a timestamptz column, see
 * values/pg-text.ts), so each field keeps a writer per raw column type it met.
 * A column the writer schema does not have is written NULL: either it did not exist yet when the change was
 * made (an older schema), or it was dropped at the source (raw keeps the column, new versions fill it with
 * NULL). A tombstone is decoded as the delete it follows: its headers carry that delete's source position
 * (lib/kafka/change-headers.ts), so it still deletes the row once compaction removed the delete event.
 *
 * A connector's `transform` sees the row as a record of raw column names to decoded values (an unchanged TOAST
 * value is `unchangedToastValue`, a value its Avro type cannot hold a `PgTextValue`: pass them through) and
 * returns the record to land, or null to skip the change. A tombstone's row has the key columns only.
 * Its result is validated before anything reaches the database: it must be an object of known raw columns,
 * with the conflict columns set, and every value must have its column's type. A throwing transform is
 * TRANSFORM_FAILED and an invalid result VALIDATION_FAILED: both dead-letter that message only.
 */

import { PgTextValue, unchangedToastValue } from '../../../lib/avro/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import { positionOfTombstone } from '../../../lib/kafka/change-headers.ts';
import { parseSqlType } from '../../../lib/postgres/index.ts';
import { schemaIdOf } from '../../../lib/registry/framing.ts';
import type { SchemaRegistryClient } from '../../../lib/registry/index.ts';
import type { RowChange, TableChange } from '../apply/coalesce.ts';
import { collectNamed, type PgText, type TextWriter, unchanged, writerFor } from '../values/pg-text.ts';

export interface ConsumedMessage {
  partition: number;
  offset: bigint;
  value: Buffer | null;
  /** See RowChange.unbrokenSince. */
  unbrokenSince?: bigint;
  /** Needed for tombstones only (their row is the key). */
  key?: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export type DecodedMessage =
  | { kind: 'change'; change: TableChange; schemaId: number }
  /** The delete the tombstone stands for; none when it carries no position (older reader) or was skipped. */
  | { kind: 'tombstone'; change?: RowChange }
  /** The connector's transform returned null: nothing to land. */
  | { kind: 'skipped'; schemaId: number; position: { commitLsn: bigint; lsn: bigint } };

/** What can be told of a message that did not land: the row it names and its source position, when readable. */
export interface MessageIdentity {
  key: RowChange['values'] | undefined;
  position: { commitLsn: bigint; lsn: bigint } | undefined;
}

/** A raw column a writer schema fills, with the PostgreSQL type the reader chose for it (when it says). */
export interface SchemaColumn {
  column: string;
  sqlType: string | undefined;
}

export type Transform = (row: Record<string, unknown>) => Record<string, unknown> | null;

export interface ChangeDecoderOptions {
  /** The raw table's conflict columns, in order: the identity of a row within its table. */
  conflictColumns: readonly string[];
  /**
   * The raw table's current columns and their types as `format_type` prints them (it may grow or be migrated
   * at run time): what a transform's result may name, and what each field's text is written for.
   */
  rawColumns: () => ReadonlyMap<string, string>;
  transform?: Transform;
}

interface FieldPlan {
  field: string;
  column: string;
  sqlType: string | undefined;
  /** The writer of this field's values for a raw column of the given type (undefined: no such column yet). */
  writerInto: (rawType: string | undefined) => TextWriter;
}

/**
 * A field's writers by raw column type, made once per type: the field's own writer, or one that rewrites the
 * text when the raw column's type needs it (a timestamp field into a timestamptz column).
 */
function fieldWriters(type: unknown, named: Map<string, unknown>): FieldPlan['writerInto'] {
  const own = writerFor(type as never, named as never);
  const byRawType = new Map<string, TextWriter>();
  return (rawType) => {
    if (rawType === undefined) return own;
    let writer = byRawType.get(rawType);
    if (!writer) {
      const into = parseSqlType(rawType);
      writer = into ? writerFor(type as never, named as never, into) : own;
      byRawType.set(rawType, writer);
    }
    return writer;
  };
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
  private readonly keyPlans = new Map<number, Promise<FieldPlan[]>>();
  /** Per plan, its fields' writers for the raw table's current column types (the map changes on a reload). */
  private readonly bound = new WeakMap<
    readonly FieldPlan[],
    { types: ReadonlyMap<string, string>; writers: TextWriter[] }
  >();

  constructor(
    private readonly registry: Pick<SchemaRegistryClient, 'decode' | 'schemaById'>,
    private readonly options: ChangeDecoderOptions,
  ) {}

  /** The raw columns a writer schema fills (the sink adds the missing ones to the raw table). */
  async columnsOf(schemaId: number): Promise<SchemaColumn[]> {
    return (await this.planFor(schemaId)).map(({ column, sqlType }) => ({ column, sqlType }));
  }

  async decode(message: ConsumedMessage): Promise<DecodedMessage> {
    if (message.value === null) return this.decodeTombstone(message);
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
    const values = this.rowValues(plan, row);
    if (values === null) return { kind: 'skipped', schemaId: id, position };
    return {
      kind: 'change',
      change: {
        op: envelope.op,
        key: this.keyOf(values),
        values,
        ...position,
        unbrokenSince: message.unbrokenSince,
        // What a repair would re-read, should the sink be unable to fill an unchanged column (apply/).
        sourceKey: hasUnchanged(values) ? await this.sourceKeyOf(message).catch(() => undefined) : undefined,
      },
      schemaId: id,
    };
  }

  /**
   * The raw row a message that did not land would have written (its conflict columns, from the Kafka key) and
   * its source position (from the value), as far as they can be read: for a dead letter, the value may be
   * unreadable, or the conflict columns not in the key (a transform's own). Never throws.
   */
  async identify(message: ConsumedMessage): Promise<MessageIdentity> {
    return {
      key: await this.keyOfMessage(message).catch(() => undefined),
      position: await this.positionOf(message),
    };
  }

  /** The conflict columns' text from the Kafka key; undefined when the key does not hold them all. */
  async keyOfMessage(message: Pick<ConsumedMessage, 'key'>): Promise<RowChange['values'] | undefined> {
    const values = await this.sourceKeyOf(message);
    if (!values) return undefined;
    const key: RowChange['values'] = {};
    for (const column of this.options.conflictColumns) {
      const value = values[column];
      if (value === undefined || value === null || value === unchanged) return undefined;
      key[column] = value;
    }
    return key;
  }

  /** The Kafka key's columns (the source key) as text, by raw column name; undefined without a framed key. */
  async sourceKeyOf(message: Pick<ConsumedMessage, 'key'>): Promise<RowChange['values'] | undefined> {
    const id = message.key ? schemaIdOf(message.key) : undefined;
    if (!message.key || id === undefined) return undefined;
    const row = (await this.registry.decode(message.key)) as Json;
    return this.written(await this.keyPlanFor(id), row, 'DECODE_FAILED');
  }

  private async positionOf(message: ConsumedMessage): Promise<MessageIdentity['position']> {
    try {
      if (!message.value || schemaIdOf(message.value) === undefined) return undefined;
      const { source } = (await this.registry.decode(message.value)) as Envelope;
      if (typeof source?.commit_lsn !== 'bigint' || typeof source.lsn !== 'bigint') return undefined;
      return { commitLsn: source.commit_lsn, lsn: source.lsn };
    } catch {
      return undefined;
    }
  }

  /** A tombstone → the delete it stands for (module header). */
  private async decodeTombstone(message: ConsumedMessage): Promise<DecodedMessage> {
    const source = positionOfTombstone(message.headers);
    if (!source) return { kind: 'tombstone' };
    if (!message.key) throw new PipelineError('DECODE_FAILED', 'a tombstone without a key');
    const id = schemaIdOf(message.key);
    if (id === undefined)
      throw new PipelineError('DECODE_FAILED', 'a tombstone key that is not Confluent-framed Avro');
    const plan = await this.keyPlanFor(id);
    const row = (await this.registry.decode(message.key)) as Json;
    const values = this.rowValues(plan, row);
    if (values === null) return { kind: 'tombstone' };
    const change: RowChange = {
      op: 'd',
      key: this.keyOf(values),
      values,
      commitLsn: source.commitLsn,
      lsn: source.lsn,
      committedAtMicros: source.committedAtMicros,
      partition: message.partition,
      offset: message.offset,
      fromTombstone: true,
    };
    return { kind: 'tombstone', change };
  }

  private rowValues(plan: readonly FieldPlan[], row: Json): RowChange['values'] | null {
    return this.options.transform ? this.transformed(plan, row) : this.written(plan, row, 'DECODE_FAILED');
  }

  /** The conflict columns' text, JSON-encoded: the row's identity in the raw table. */
  private keyOf(values: RowChange['values']): string {
    const key = this.options.conflictColumns.map((column) => {
      const value = values[column];
      if (value === undefined || value === null || value === unchanged) {
        throw new PipelineError('VALIDATION_FAILED', `conflict column ${column} is missing from the change`);
      }
      return value;
    });
    return JSON.stringify(key);
  }

  /** The row's fields → PostgreSQL text by raw column, each with its field's writer. */
  private written(
    plan: readonly FieldPlan[],
    row: Json,
    code: 'DECODE_FAILED' | 'VALIDATION_FAILED',
  ): RowChange['values'] {
    const values: RowChange['values'] = {};
    const writers = this.writersOf(plan);
    for (const [index, field] of plan.entries()) {
      try {
        values[field.column] = (writers[index] as TextWriter)(row[field.field] ?? null);
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
    const writers = this.writersOf(plan);
    const byColumn = new Map(plan.map((field, index) => [field.column, writers[index] as TextWriter]));
    const values: RowChange['values'] = {};
    for (const [column, value] of Object.entries(output)) {
      const write = byColumn.get(column);
      try {
        values[column] = write ? write(value) : genericText(value);
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

  /** The plan's writers for the raw columns' current types, aligned with its fields. */
  private writersOf(plan: readonly FieldPlan[]): readonly TextWriter[] {
    const types = this.options.rawColumns();
    const cached = this.bound.get(plan);
    if (cached?.types === types) return cached.writers;
    const writers = plan.map((field) => field.writerInto(types.get(field.column)));
    this.bound.set(plan, { types, writers });
    return writers;
  }

  private planFor(id: number): Promise<FieldPlan[]> {
    return this.cachedPlan(this.plans, id, rowRecordOf);
  }

  /** A key schema is the record itself (the key columns, with the same attributes as the row's fields). */
  private keyPlanFor(id: number): Promise<FieldPlan[]> {
    return this.cachedPlan(this.keyPlans, id, (schema) => schema as ReturnType<typeof rowRecordOf>);
  }

  private cachedPlan(
    cache: Map<number, Promise<FieldPlan[]>>,
    id: number,
    recordOf: (schema: unknown) => ReturnType<typeof rowRecordOf>,
  ): Promise<FieldPlan[]> {
    let plan = cache.get(id);
    if (!plan) {
      plan = this.registry.schemaById(id).then((schema) => {
        // Named types (cdc.UnchangedToast...) are defined once, in the first field that uses them.
        const named = new Map();
        collectNamed(schema as never, named);
        const fields = recordOf(schema).fields;
        if (!Array.isArray(fields)) throw new PipelineError('DECODE_FAILED', 'the schema is not a record');
        return fields.map((field) => ({
          field: field.name,
          column: typeof field['cdc.column'] === 'string' ? field['cdc.column'] : field.name,
          sqlType: typeof field['cdc.sqlType'] === 'string' ? field['cdc.sqlType'] : undefined,
          writerInto: fieldWriters(field.type, named),
        }));
      });
      plan.catch(() => cache.delete(id));
      cache.set(id, plan);
    }
    return plan;
  }
}

function hasUnchanged(values: RowChange['values']): boolean {
  for (const column in values) if (values[column] === unchanged) return true;
  return false;
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
