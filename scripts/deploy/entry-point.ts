/**
 * How the images name their entry points: the compiled tree of `npm run build` lives in /app/dist (Dockerfile),
 * so a container runs `node dist/<path>.js` for the repository's `<path>.ts`. Compose, Kubernetes and the
 * Dockerfile's CMDs are checked against the sources this way.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../stack/topology.ts';

/** The repository source a container's `node <script>` runs, when it is a compiled entry point; else undefined. */
export function entryPointSource(script: string | undefined): string | undefined {
  const match = script?.match(/^dist\/(.+)\.js$/);
  if (!match?.[1]) return undefined;
  const source = `${match[1]}.ts`;
  return existsSync(path.join(repoRoot, source)) ? source : undefined;
}
