/**
 * Loads `.env.<ENV>` then `.env` from the working directory, as the seed's job runner did. Variables already in
 * the environment always win, and the more specific file wins over `.env`, so a deployment never gets surprised
 * by a developer's file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

export function loadEnvFiles(env: NodeJS.ProcessEnv = process.env, directory = process.cwd()): string[] {
  const stage = env.ENV ?? 'development';
  const loaded: string[] = [];
  for (const name of [`.env.${stage}`, '.env']) {
    const file = path.join(directory, name);
    if (!existsSync(file)) continue;
    dotenv.config({ path: file, processEnv: env as Record<string, string>, override: false, quiet: true });
    loaded.push(file);
  }
  return loaded;
}
