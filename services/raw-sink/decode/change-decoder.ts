/**
 * Kafka messages of one topic → the changes the apply step writes. The value's writer schema (by its id, with
 * its `cdc.column` attributes) says which raw column each field fills and how to write it as PostgreSQL text;
 * an older writer schema simply fills fewer columns (the others keep their stored values). Tombstones carry
 * nothing the delete event before them did not, so they are skipped.
 */
import { PipelineError } from '../../../lib/errors/index.ts';
import { schemaIdOf } from '../../../lib/registry/framing.ts';
import type { SchemaRegistryClient } from '../../../lib/registry/index.ts';
import type { RowChange, TableChange } from '../apply/coalesce.ts';
import { collectNamed, type TextWriter, unchanged, writerFor } from '../values/pg-text.ts';

export interface ConsumedMessage {
  partition: number;
  offset: bigint;
  value: Buffer | null;
}

export type DecodedMessage = { kind: 'change'; change: TableChange } | { kind: 'tombstone' };

interface FieldPlan {
  field: string;
  column: string;
  write: TextWriter;
}

type Json = Record<string, unknown>;

interface Envelope {
  op: string;
  before: Json | null;
  after: Json | null;
  source: { commit_lsn: bigint | null; lsn: bigint | null; ts_us: bigint };
}

/**
 * The envelope's row record (`before`/`after`: unions of null and the row; the record is defined in the first
 * of them and referenced by name in the second).
 */
export function rowRecordOf(envelope: unknown): {
  fields: { name: string; type: unknown; 'cdc.column'?: unknown }[];
} {
  const fields = ((envelope as Json).fields ?? []) as { name: string; type: unknown }[];
  for (const name of ['before', 'after']) {
    const field = fields.find((candidate) => candidate.name === name);
    const branches = Array.isArray(field?.type) ? field.type : [field?.type];
    const row = branches.find(
      (branch) => typeof branch === 'object' && branch !== null && (branch as Json).type === 'record',
    );
    if (row) return row as { fields: { name: string; type: unknown; 'cdc.column'?: unknown }[] };
  }
  throw new PipelineError('SCHEMA_INCOMPATIBLE', 'the value schema has no row record in `before` or `after`');
}

export class ChangeDecoder {
  private readonly plans = new Map<number, Promise<FieldPlan[]>>();

  constructor(
    private readonly registry: Pick<SchemaRegistryClient, 'decode' | 'schemaById'>,
    /** The raw table's conflict columns, in order: the identity of a row within its table. */
    private readonly conflictColumns: readonly string[],
  ) {}

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
    if (envelope.op === 't') return { kind: 'change', change: { op: 't', ...position } };
    if (envelope.op !== 'c' && envelope.op !== 'u' && envelope.op !== 'd' && envelope.op !== 'r') {
      throw new PipelineError(
        'DECODE_FAILED',
        `unknown operation ${JSON.stringify(envelope.op).slice(0, 20)}`,
      );
    }
    const row = envelope.op === 'd' ? envelope.before : envelope.after;
    if (!row) throw new PipelineError('DECODE_FAILED', `a ${envelope.op} event without its row`);
    const values: RowChange['values'] = {};
    for (const field of plan) {
      try {
        values[field.column] = field.write(row[field.field] ?? null);
      } catch (error) {
        throw new PipelineError('DECODE_FAILED', `column ${field.column}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const key = this.conflictColumns.map((column) => {
      const value = values[column];
      if (value === undefined || value === null || value === unchanged) {
        throw new PipelineError('VALIDATION_FAILED', `conflict column ${column} is missing from the change`);
      }
      return value;
    });
    return { kind: 'change', change: { op: envelope.op, key: JSON.stringify(key), values, ...position } };
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
          write: writerFor(field.type as never, named),
        }));
      });
      plan.catch(() => this.plans.delete(id));
      this.plans.set(id, plan);
    }
    return plan;
  }
}
