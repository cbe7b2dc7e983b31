/**
 * The value schema of a table's topic: schemas/envelope.avsc.json with the table's row record in `before`
 * and `after`, and the shared `cdc.Source` record. Kept as JSON files so reviewers see the contract itself,
 * not code that builds it.
 */

import type { AvroSchema } from '../../../lib/avro/index.ts';
import envelopeTemplate from '../../../schemas/envelope.avsc.json' with { type: 'json' };
import sourceSchema from '../../../schemas/source.avsc.json' with { type: 'json' };
import type { RecordSchema } from '../mapping/row-schemas.ts';

/** `<namespace>.Envelope`: a record schema like the row's. */
export type EnvelopeSchema = RecordSchema;

export { sourceSchema };

/** `rowSchema` is the `<namespace>.Value` record of buildRowSchemas; the envelope is `<namespace>.Envelope`. */
export function buildEnvelopeSchema(rowSchema: RecordSchema): EnvelopeSchema {
  const valueName = `${rowSchema.namespace}.${rowSchema.name}`;
  let defined = false;
  // The first reference carries the definition, later ones the full name (Avro defines a name once).
  const resolve = (type: unknown): unknown => {
    if (type === 'Value') {
      if (defined) return valueName;
      defined = true;
      return rowSchema;
    }
    if (type === 'cdc.Source') return structuredClone(sourceSchema);
    return Array.isArray(type) ? type.map(resolve) : type;
  };
  const template = structuredClone(envelopeTemplate);
  return {
    type: 'record',
    name: template.name,
    namespace: rowSchema.namespace,
    doc: template.doc,
    fields: template.fields.map((field) => ({ ...field, type: resolve(field.type) as AvroSchema })),
  } as EnvelopeSchema;
}
