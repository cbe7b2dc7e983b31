/** `cdc publication [--apply]` on a scratch core database: prints the DBA's SQL, applies it as the owner. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';
import { createCoreScratch } from '../source/core-scratch.ts';
import type { ScratchDatabase } from '../support/databases.ts';
import { uniqueName } from '../support/names.ts';

describe('cdc publication', () => {
  let database: ScratchDatabase;
  const publication = uniqueName('pub');

  beforeAll(async () => {
    database = await createCoreScratch('ops_publication');
  });

  afterAll(async () => {
    await database?.drop();
  });

  function cdc(args: string[]) {
    const result = spawnSync(
      path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(repoRoot, 'services/ops/cli/main.ts'), 'publication', ...args],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          DATABASE_URL_CORE: database.url('DATABASE_URL_CORE'),
          DATABASE_URL_CORE_OWNER: database.url('DATABASE_URL_CORE_OWNER'),
          CDC_PUBLICATION_NAME: publication,
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('prints the SQL as the reader, applies it as the owner, then finds nothing to do', () => {
    const planned = cdc([]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`publication ${publication} does not exist`);
    expect(planned.stdout).toMatch(
      new RegExp(`^CREATE PUBLICATION "${publication}" FOR TABLE "public"\\."partners" \\(`, 'm'),
    );

    const applied = cdc(['--apply']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^Applied to /);

    const again = cdc([]);
    expect(again.stdout).toContain(`${publication} matches the connectors.`);
    expect(cdc(['--apply']).stdout).toContain('nothing to do');
  });
});
