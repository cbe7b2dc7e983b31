import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvFiles } from '../../lib/config/index.ts';

describe('loadEnvFiles', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  function directoryWith(files: Record<string, string>): string {
    const directory = mkdtempSync(path.join(tmpdir(), 'env-files-'));
    directories.push(directory);
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(directory, name), content);
    return directory;
  }

  it('prefers the real environment, then .env.<ENV>, then .env', () => {
    const directory = directoryWith({
      '.env': 'BATCH_SIZE=10\nKAFKA_CLIENT_ID=from-dotenv\nLOG_LEVEL=warn\n',
      '.env.staging': 'BATCH_SIZE=20\nKAFKA_CLIENT_ID=from-staging\n',
    });
    const env: NodeJS.ProcessEnv = { ENV: 'staging', KAFKA_CLIENT_ID: 'from-environment' };
    const loaded = loadEnvFiles(env, directory);
    expect(loaded.map((file) => path.basename(file))).toEqual(['.env.staging', '.env']);
    expect(env).toMatchObject({ KAFKA_CLIENT_ID: 'from-environment', BATCH_SIZE: '20', LOG_LEVEL: 'warn' });
  });

  it('loads nothing when there are no files', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFiles(env, directoryWith({}))).toEqual([]);
    expect(env).toEqual({});
  });
});
