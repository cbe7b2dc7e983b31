/**
 * The Dockerfile, validated offline: BuildKit's linter (the rules of `docker build --check`), the build context
 * (.dockerignore) and the project's rules for the images it ships. Broken copies must fail. Building the images
 * needs a Docker engine, which CI does not have: docs/deploy/compose.md says what that leaves unverified.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DockerfileValidation,
  dockerfile,
  dockerignore,
  excludedFromContext,
  validateDockerfile,
} from '../../scripts/deploy/validate-dockerfile.ts';
import { repoRoot } from '../../scripts/stack/topology.ts';

const original = readFileSync(dockerfile, 'utf8');
const originalIgnore = readFileSync(dockerignore, 'utf8');
const scratch = mkdtempSync(path.join(tmpdir(), 'dockerfile-check-'));
let valid: DockerfileValidation;

// The first run compiles the Go validator (BuildKit and compose-go) into .cache/deploy: allow for it.
beforeAll(async () => {
  valid = await validateDockerfile();
}, 900_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function stage(name: string) {
  const found = valid.report.stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
}

function instructions(name: string, kind: string) {
  return stage(name).instructions.filter((instruction) => instruction.kind === kind);
}

describe('Dockerfile', () => {
  it("passes BuildKit's linter and the project rules", () => {
    expect(valid.report.error).toBeNull();
    expect(valid.report.warnings).toEqual([]);
    expect(valid.findings).toEqual([]);
  });

  it('ships two images: the services (the default, last target) and the marts builder', () => {
    expect(valid.shipped.sort()).toEqual(['marts', 'service']);
    expect(valid.report.stages.at(-1)?.name).toBe('service');
    expect(instructions('service', 'cmd')[0]?.command).toEqual([
      'node',
      'dist/services/replication-reader/main.js',
    ]);
    expect(instructions('marts', 'cmd')[0]?.command).toEqual(['node', 'dist/services/marts-builder/main.js']);
  });

  it('runs both images as the numeric user 10001 on a Node LTS base', () => {
    for (const name of ['service', 'marts']) expect(instructions(name, 'user')[0]?.value).toBe('10001:10001');
    expect(stage('runtime').base).toMatch(/^node:(2[02468]|[3-9][02468])-bookworm-slim$/);
  });

  it('keeps node_modules, caches, build output, .git, tests and .env files out of the build context', () => {
    expect(Object.keys(valid.report.probes).sort()).toEqual([...excludedFromContext].sort());
    expect(Object.values(valid.report.probes).every(Boolean)).toBe(true);
  });

  it('lays /app/dist out as the repository: the compiled tree plus the files tsc does not emit', () => {
    const copies = instructions('app', 'copy');
    expect(copies).toContainEqual(
      expect.objectContaining({ from: 'build', sources: ['/src/dist/'], dest: '/app/dist/' }),
    );
    expect(copies).toContainEqual(
      expect.objectContaining({
        from: 'prod-deps',
        sources: ['/src/node_modules'],
        dest: '/app/dist/node_modules',
      }),
    );
    for (const folder of ['services/ops/server/dashboard', 'db/migrations', 'db/core/migrations']) {
      expect(existsSync(path.join(repoRoot, folder)), folder).toBe(true);
      expect(copies).toContainEqual(
        expect.objectContaining({ sources: [folder], dest: `/app/dist/${folder}` }),
      );
    }
  });

  it('gives the marts builder dbt from the pinned requirements, and the project', () => {
    const marts = stage('marts');
    expect(marts.instructions).toContainEqual(
      expect.objectContaining({ kind: 'env', env: expect.objectContaining({ DBT_VENV: '/opt/dbt-venv' }) }),
    );
    expect(instructions('marts', 'copy')).toContainEqual(
      expect.objectContaining({ sources: ['dbt'], dest: '/app/dist/dbt' }),
    );
    const install = instructions('dbt-venv', 'run')
      .map((run) => run.command?.join(' '))
      .join('\n');
    expect(install).toContain('--constraint /tmp/python-requirements.txt dbt-core dbt-postgres');
    expect(install).toContain('python3.11 -m venv /opt/dbt-venv');
  });
});

/** Each mutation must change the file, then the validator must report the problem. */
const broken: { name: string; from: string | RegExp; to: string; expected: RegExp }[] = [
  {
    name: 'no USER: the images run as root',
    from: /^USER .*\n/gm,
    to: '',
    expected: /image service: runs as root/,
  },
  { name: 'USER root', from: /USER 10001:10001/g, to: 'USER root', expected: /USER root is not numeric/ },
  { name: 'USER 0', from: /USER 10001:10001/g, to: 'USER 0:0', expected: /USER 0:0 is root/ },
  {
    name: 'dev dependencies in the runtime image',
    from: 'npm prune --omit=dev',
    to: 'npm prune',
    expected: /copies \/src\/node_modules from prod-deps, whose node_modules hold dev dependencies/,
  },
  {
    name: 'a shell-form CMD (the shell would swallow SIGTERM)',
    from: 'CMD ["node", "dist/services/replication-reader/main.js"]',
    to: 'CMD node dist/services/replication-reader/main.js',
    expected: /JSONArgsRecommended[\s\S]*must use the exec \(JSON\) form/,
  },
  {
    name: 'a CMD that runs no entry point of the repository',
    from: 'dist/services/replication-reader/main.js"]',
    to: 'dist/services/replication-reader/mian.js"]',
    expected: /runs dist\/services\/replication-reader\/mian\.js, which is not a compiled entry point/,
  },
  {
    name: 'a COPY of a path the .dockerignore excludes',
    from: 'COPY scripts ./scripts\n',
    to: 'COPY scripts ./scripts\nCOPY test ./test\n',
    expected: /COPY test, which \.dockerignore excludes/,
  },
  {
    name: 'an untagged base image',
    from: 'ARG NODE_IMAGE=node:24-bookworm-slim',
    to: 'ARG NODE_IMAGE=node',
    expected: /FROM node needs an explicit tag/,
  },
  {
    name: 'a missing stop signal',
    from: 'STOPSIGNAL SIGTERM\n',
    to: '',
    expected: /needs STOPSIGNAL SIGTERM/,
  },
  {
    name: 'an instruction BuildKit does not know',
    from: 'WORKDIR /app\n',
    to: 'WORKDIRR /app\n',
    expected: /unknown instruction: WORKDIRR/i,
  },
];

describe('a broken copy of the Dockerfile fails', () => {
  it.each(broken)('$name', async ({ from, to, expected }) => {
    const text = original.replace(from, to);
    expect(text, 'the mutation must apply').not.toBe(original);
    const file = path.join(mkdtempSync(path.join(scratch, 'case-')), 'Dockerfile');
    writeFileSync(file, text);
    const { findings } = await validateDockerfile(file);
    expect(findings.map((finding) => `${finding.where}: ${finding.problem}`).join('\n')).toMatch(expected);
  });

  it('a .dockerignore that lets node_modules into the context', async () => {
    const text = originalIgnore.replace(/^\*\n/m, '');
    expect(text).not.toBe(originalIgnore);
    const ignoreFile = path.join(mkdtempSync(path.join(scratch, 'case-')), '.dockerignore');
    writeFileSync(ignoreFile, text);
    const { findings } = await validateDockerfile(dockerfile, ignoreFile);
    expect(findings.map((finding) => finding.problem).join('\n')).toMatch(
      /node_modules reaches the build context/,
    );
  });
});
