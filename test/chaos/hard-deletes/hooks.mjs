// A module resolve hook (node:module register): when connectors/index.ts imports the connector files named in
// overrides.json, it gets the chaos run's version (same export, destination.deletes 'hard') instead. Any other
// importer, the override itself included, still gets the repository's file.
import { readFileSync } from 'node:fs';

const overrides = JSON.parse(readFileSync(new URL('./overrides.json', import.meta.url), 'utf8'));

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!context.parentURL?.endsWith('/connectors/index.ts')) return resolved;
  for (const name of overrides.hardDeletes) {
    if (resolved.url.endsWith(`/connectors/${name}.ts`))
      return { ...resolved, url: new URL(`./${name}.ts`, import.meta.url).href, shortCircuit: true };
  }
  return resolved;
}
