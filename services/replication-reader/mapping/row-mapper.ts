/**
 * TextRow (pgoutput's text values) → Avro-ready JS objects for the schemas of row-schemas.ts. Errors name the
 * table, the column and the problem, never the value: row data must not reach logs or error trackers.
 *
 * A valid value the typed branches cannot hold (`Unrepresentable`) becomes a `PgTextValue` of its exact text in
 * a row field; in a key field (which has no such branch, see README.md) it is a DECODE_FAILED error, which
 * pauses the table (pipeline/captured-tables.ts).
 */
import type { ConnectorDefinition } from '../../../connectors/types.ts';
import { PgTextValue, unchangedToastValue } from '../../../lib/avro/index.ts';
import { PipelineError } from '../../../lib/errors/index.ts';
import { type TableDefinition, type TextRow, type TextValue, unchangedToast } from '../model.ts';
import { type ColumnPlan, planTable } from './plan.ts';
import { MappingProblem, Unrepresentable } from './problem.ts';
import { type PseudonymisationKey, pseudonymise } from './pseudonymise.ts';

export type AvroRecord = Record<string, unknown>;

export interface RowMapper {
  /** The Kafka key: the key columns, none of which may be NULL or unchanged TOAST. */
  key(row: TextRow): AvroRecord;
  /** A `before`/`after` row: every published column. */
  row(row: TextRow): AvroRecord;
}

export interface MappingSecrets {
  /** Required when the connector pseudonymises a column. */
  pseudonymisationKey?: PseudonymisationKey;
}

function failure(label: string, plan: ColumnPlan, problem: string, cause?: unknown): PipelineError {
  return new PipelineError(
    'DECODE_FAILED',
    `${label}.${plan.column.name} (${plan.column.formattedType}): ${problem}`,
    {
      cause,
      details: { table: label, column: plan.column.name, type: plan.column.formattedType },
    },
  );
}

export function createRowMapper(
  table: TableDefinition,
  connector: ConnectorDefinition,
  secrets: MappingSecrets = {},
): RowMapper {
  const { label, columns, keyColumns } = planTable(table, connector);
  const key = secrets.pseudonymisationKey;
  if (columns.some((plan) => plan.pseudonymised) && (key === undefined || key.length === 0)) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `${label}: connector ${connector.name} pseudonymises columns but no key was given`,
    );
  }

  const present = (plan: ColumnPlan, text: string, inKey: boolean): unknown => {
    if (plan.pseudonymised) return pseudonymise(text, key as PseudonymisationKey);
    try {
      return plan.mapping.fromText(text);
    } catch (error) {
      if (error instanceof Unrepresentable) {
        if (!inKey && plan.mapping.exactText) return new PgTextValue(text);
        const where = inKey ? ' (a key field has no exact-text branch)' : '';
        throw failure(label, plan, `${error.message}${where}`, error);
      }
      // A MappingProblem's message is value-free by construction; anything else might quote the value.
      if (error instanceof MappingProblem) throw failure(label, plan, error.message, error);
      throw failure(label, plan, `unexpected ${error instanceof Error ? error.name : 'error'} while mapping`);
    }
  };

  const value = (plan: ColumnPlan, row: TextRow, inKey: boolean): unknown => {
    const text: TextValue | undefined = row[plan.column.name];
    if (text === undefined) throw failure(label, plan, 'missing from the change (stale table definition?)');
    if (text === unchangedToast) {
      if (inKey) throw failure(label, plan, 'unchanged TOAST value in a key column');
      if (!plan.column.toastable)
        throw failure(label, plan, 'unchanged TOAST value in a column that is not toastable');
      return unchangedToastValue;
    }
    if (text === null) {
      if (inKey) throw failure(label, plan, 'NULL in a key column');
      return null;
    }
    return present(plan, text, inKey);
  };

  // Plain loops: this runs for every column of every change, and entry arrays are garbage to collect.
  // A field called __proto__ would set the prototype by assignment; fromEntries defines it as a property.
  const plainFields = columns.every((plan) => plan.field !== '__proto__');
  const record = (plans: readonly ColumnPlan[], row: TextRow, inKey: boolean): AvroRecord => {
    if (!plainFields) return Object.fromEntries(plans.map((plan) => [plan.field, value(plan, row, inKey)]));
    const result: AvroRecord = {};
    for (const plan of plans) result[plan.field] = value(plan, row, inKey);
    return result;
  };
  return {
    key: (row) => record(keyColumns, row, true),
    row: (row) => record(columns, row, false),
  };
}
