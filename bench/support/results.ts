/** Where a scenario's result goes (bench/results/<scenario>-<time>.json, git-ignored) and number formatting. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../scripts/stack/topology.ts';

/** Writes the result and returns its path relative to the repository, for the printed report. */
export function writeResult(scenario: string, result: unknown): string {
  const directory = path.join(repoRoot, 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `${scenario}-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return path.relative(repoRoot, file);
}

/** 12,345 */
export const integer = (n: number) => Math.round(n).toLocaleString('en-US');
