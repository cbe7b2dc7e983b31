/**
 * Connectors the chaos run's sinks use with hard deletes (overrides.json, applied by hooks.mjs), and the
 * NODE_OPTIONS that gives a sink process those overrides. The comparison (verify.ts) reads the same list.
 */
import { readFileSync } from 'node:fs';

const overrides = JSON.parse(readFileSync(new URL('./overrides.json', import.meta.url), 'utf8')) as {
  hardDeletes: string[];
};

export const hardDeleteConnectors: readonly string[] = Object.freeze([...overrides.hardDeletes]);

/** The sink's NODE_OPTIONS: what the run's own process has, plus the hooks' registration. */
export function hardDeleteNodeOptions(): string {
  const register = new URL('./register.mjs', import.meta.url).href;
  return [process.env.NODE_OPTIONS, `--import=${register}`].filter(Boolean).join(' ');
}
