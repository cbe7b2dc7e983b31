/** Table and connector definitions for mapping tests, without a database. */
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import type { ColumnDefinition, TableDefinition } from '../../../services/replication-reader/model.ts';

export type TestColumn = ColumnDefinition & { arrayDimensions?: number };

const typeOids: Record<string, number> = { int4: 23, int8: 20, text: 25, numeric: 1700 };

function formatted(typeName: string, modifier = -1): string {
  if (typeName !== 'numeric' || modifier < 4) return typeName;
  const packed = modifier - 4;
  return `numeric(${packed >> 16},${((packed & 0x7ff) ^ 1024) - 1024})`;
}

/** A column of a base type, or an array when `elementTypeName` is given. Toastable when variable-length. */
export function column(name: string, typeName: string, extra: Partial<TestColumn> = {}): TestColumn {
  const isArray = extra.elementTypeName !== undefined;
  const fixedLength = [
    'bool',
    'int2',
    'int4',
    'int8',
    'oid',
    'float4',
    'float8',
    'date',
    'time',
    'timestamp',
    'timestamptz',
    'uuid',
    'money',
  ];
  return {
    name,
    typeOid: typeOids[typeName] ?? 0,
    typeName,
    formattedType: isArray ? `${extra.elementTypeName}[]` : formatted(typeName, extra.typeModifier),
    typeModifier: -1,
    kind: isArray ? 'array' : 'base',
    nullable: true,
    isKey: false,
    toastable: isArray || !fixedLength.includes(typeName),
    ...extra,
  };
}

/** numeric(p,s)'s atttypmod. */
export const numericModifier = (precision: number, scale: number) =>
  ((precision << 16) | (scale & 0x7ff)) + 4;

export function table(columns: TestColumn[], keyColumns: string[] = ['id']): TableDefinition {
  return {
    schema: 'public',
    table: 'things',
    relationOid: 16400,
    columns: columns.map((c) => ({
      ...c,
      isKey: keyColumns.includes(c.name),
      nullable: c.nullable && !keyColumns.includes(c.name),
    })),
    keyColumns,
    replicaIdentity: 'default',
  };
}

export function connector(extra: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    name: 'things',
    source: { schema: 'public', table: 'things' },
    destination: { table: 'things' },
    ...extra,
  };
}
