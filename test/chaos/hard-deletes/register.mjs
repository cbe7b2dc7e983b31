// Loaded by the chaos run's sinks (NODE_OPTIONS=--import, environment.ts): registers hooks.mjs, which gives
// them the connectors of hard-delete-connectors.ts instead of the repository's. Plain JavaScript: it runs
// before any TypeScript loader.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
