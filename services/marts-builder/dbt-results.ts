/**
 * What a dbt run did, from its `run_results.json`: models built, rows they affected, and the nodes that
 * failed with dbt's own message (the first failing model is what an operator needs to see).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface DbtOutcome {
  models: number;
  rowsAffected: number;
  failures: { node: string; status: string; message: string }[];
}

interface RunResult {
  unique_id?: string;
  status?: string;
  message?: string | null;
  adapter_response?: { rows_affected?: number };
}

export function readDbtOutcome(targetPath: string): DbtOutcome | undefined {
  let parsed: { results?: RunResult[] };
  try {
    parsed = JSON.parse(readFileSync(path.join(targetPath, 'run_results.json'), 'utf8'));
  } catch {
    return undefined; // dbt stopped before running anything (bad project, no database): its output says why
  }
  const results = parsed.results ?? [];
  const models = results.filter((result) => result.unique_id?.startsWith('model.'));
  return {
    models: models.filter((result) => result.status === 'success').length,
    rowsAffected: models.reduce(
      (sum, result) => sum + Math.max(0, result.adapter_response?.rows_affected ?? 0),
      0,
    ),
    failures: results
      .filter((result) => result.status === 'error' || result.status === 'fail')
      .map((result) => ({
        node: result.unique_id ?? '(unknown)',
        status: result.status ?? 'error',
        message: (result.message ?? '').slice(0, 1000),
      })),
  };
}
