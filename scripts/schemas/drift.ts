/**
 * Compares the Avro schemas the reader would generate from the live core database with the reviewed
 * snapshots in schemas/tables/, field by field, so a column added, dropped or retyped at the source shows up in
 * review before it shows up in the registry.
 */
import type { RecordSchema } from '../../services/replication-reader/mapping/index.ts';

export interface FieldDrift {
  field: string;
  change: 'added' | 'removed' | 'changed';
}

type Field = { name: string; type: unknown; doc?: string; 'cdc.column'?: string; 'cdc.sqlType'?: string };

/** Everything about a field that a consumer relies on: its Avro type, and the raw column it becomes. */
function signature(field: Field): string {
  return JSON.stringify([field.type, field.doc, field['cdc.column'], field['cdc.sqlType']]);
}

function fieldsOf(schema: RecordSchema): Map<string, Field> {
  return new Map((schema.fields as Field[]).map((field) => [field.name, field]));
}

export function compareRowSchemas(reviewed: RecordSchema, live: RecordSchema): FieldDrift[] {
  const before = fieldsOf(reviewed);
  const after = fieldsOf(live);
  const drift: FieldDrift[] = [];
  for (const [name, field] of after) {
    const old = before.get(name);
    if (!old) drift.push({ field: name, change: 'added' });
    else if (signature(old) !== signature(field)) {
      drift.push({ field: name, change: 'changed' });
    }
  }
  for (const name of before.keys()) if (!after.has(name)) drift.push({ field: name, change: 'removed' });
  return drift;
}
