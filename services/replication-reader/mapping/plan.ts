/**
 * The per-table decisions shared by the schema builder and the row mapper, made once: which Avro field each
 * published column becomes, with which mapping, and whether it is pseudonymised. Both sides read the same
 * plan, so a schema and the values written with it cannot drift apart.
 */
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { TableDefinition } from '../model.ts';
import {
  type ColumnWithDimensions,
  columnMapping,
  pseudonymMapping,
  type ValueMapping,
} from './column-types.ts';
import { avroName } from './names.ts';

export interface ColumnPlan {
  column: ColumnWithDimensions;
  /** The Avro field name (the column name, made a valid Avro name). */
  field: string;
  mapping: ValueMapping;
  pseudonymised: boolean;
}

export interface TablePlan {
  /** `schema.table`, for messages. */
  label: string;
  columns: ColumnPlan[];
  /** In key order. */
  keyColumns: ColumnPlan[];
}

function configError(label: string, message: string): PipelineError {
  return new PipelineError('CONFIG_INVALID', `${label}: ${message}`, { details: { table: label } });
}

export function planTable(table: TableDefinition, connector: ConnectorDefinition): TablePlan {
  const label = `${table.schema}.${table.table}`;
  const byName = new Map(table.columns.map((column) => [column.name, column]));
  const pseudonymise = new Set(connector.columns?.pseudonymise ?? []);
  for (const name of pseudonymise) {
    if (!byName.has(name)) {
      throw configError(label, `connector ${connector.name} pseudonymises "${name}", which is not published`);
    }
  }

  const fields = new Map<string, string>();
  const columns = table.columns.map((column): ColumnPlan => {
    const field = avroName(column.name);
    const clash = fields.get(field);
    if (clash !== undefined) {
      throw configError(label, `columns "${clash}" and "${column.name}" both become the Avro field ${field}`);
    }
    fields.set(field, column.name);
    const pseudonymised = pseudonymise.has(column.name);
    return {
      column,
      field,
      mapping: pseudonymised ? pseudonymMapping : columnMapping(column),
      pseudonymised,
    };
  });

  if (table.keyColumns.length === 0) throw configError(label, 'no key columns');
  const plans = new Map(columns.map((plan) => [plan.column.name, plan]));
  const keyColumns = table.keyColumns.map((name) => {
    const plan = plans.get(name);
    if (!plan) throw configError(label, `key column "${name}" is not published`);
    return plan;
  });
  return { label, columns, keyColumns };
}
