/**
 * The Avro schemas of a table's Kafka key and row, named `<namespace>.Key` and `<namespace>.Value` where the
 * namespace is the topic name (as Debezium names them). Row fields are all nullable with a null default
 * (see README.md, "Nullability"); arrays and timestamps get the `cdc.PgText` branch (values PostgreSQL accepts
 * that their typed branch cannot hold, as exact text), toastable columns the `cdc.UnchangedToast` branch. Key
 * fields get neither: see README.md, "Exact text".
 */
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { type AvroSchema, NamedTypes } from '../../../lib/avro/index.ts';
import type { TableDefinition } from '../model.ts';
import { firstUserOid } from './column-types.ts';
import { avroNamespace } from './names.ts';
import { type ColumnPlan, planTable } from './plan.ts';

/** A type alias, not an interface, so that it is assignable to AvroSchema's index signature. */
export type RecordSchema = {
  type: 'record';
  name: string;
  namespace: string;
  doc?: string;
  fields: {
    name: string;
    type: AvroSchema;
    default?: null;
    doc?: string;
    /** The source column's name (the field name is that name made a valid Avro name). */
    'cdc.column'?: string;
    /** A PostgreSQL type that holds the field's values exactly: what the raw sink creates the column as. */
    'cdc.sqlType'?: string;
  }[];
};

export interface RowSchemas {
  keySchema: RecordSchema;
  rowSchema: RecordSchema;
}

const single = (branches: AvroSchema[]): AvroSchema =>
  branches.length === 1 ? (branches[0] as AvroSchema) : branches;

/** The source column and its PostgreSQL type, for people reading the registry. */
function fieldDoc(plan: ColumnPlan): string {
  const source = `${plan.column.name}: ${plan.column.formattedType}`;
  return plan.pseudonymised ? `${source} (pseudonymised: HMAC-SHA256, hex)` : source;
}

/**
 * What the raw table stores the column as: the source type when any PostgreSQL database has it; text for
 * enums, user-defined and extension types (sent as their text form) and for pseudonymised columns (hex).
 */
export function sqlTypeOf(plan: ColumnPlan): string {
  const column = plan.column;
  if (plan.pseudonymised) return 'text';
  const dimensions = '[]'.repeat(column.arrayDimensions ?? 1);
  if (column.kind === 'array') {
    return (column.elementTypeOid ?? firstUserOid) < firstUserOid
      ? column.formattedType
      : `text${dimensions}`;
  }
  if (column.kind === 'domain') return column.typeOid < firstUserOid ? column.formattedType : column.typeName;
  return column.typeOid < firstUserOid ? column.formattedType : 'text';
}

export function buildRowSchemas(
  table: TableDefinition,
  connector: ConnectorDefinition,
  naming: { namespace: string },
): RowSchemas {
  const plan = planTable(table, connector);
  const namespace = avroNamespace(naming.namespace);

  const keyTypes = new NamedTypes();
  const keySchema: RecordSchema = {
    type: 'record',
    name: 'Key',
    namespace,
    doc: `Key of ${plan.label}`,
    fields: plan.keyColumns.map((column) => ({
      name: column.field,
      type: single(column.mapping.branches(keyTypes)),
      doc: fieldDoc(column),
      'cdc.column': column.column.name,
      'cdc.sqlType': sqlTypeOf(column),
    })),
  };

  const rowTypes = new NamedTypes();
  const rowSchema: RecordSchema = {
    type: 'record',
    name: 'Value',
    namespace,
    doc: `Row of ${plan.label}`,
    fields: plan.columns.map((column) => ({
      name: column.field,
      type: [
        'null',
        ...column.mapping.branches(rowTypes),
        ...(column.mapping.exactText ? [rowTypes.use('cdc.PgText')] : []),
        ...(column.column.toastable ? [rowTypes.use('cdc.UnchangedToast')] : []),
      ],
      default: null,
      doc: fieldDoc(column),
      'cdc.column': column.column.name,
      'cdc.sqlType': sqlTypeOf(column),
    })),
  };
  return { keySchema, rowSchema };
}
