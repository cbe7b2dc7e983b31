/**
 * deploycheck (scripts/deploy/deploycheck/, Go): the deployment files read by the libraries Docker itself is made
 * of, offline. The Compose file goes through compose-spec/compose-go (the loader of `docker compose`: the
 * Compose JSON schema, interpolation, depends_on and the other references); each Dockerfile through BuildKit's
 * parser and linter (the rules of `docker build --check`). Built on first use from the Go module proxy into
 * .cache/deploy/bin, named after a hash of its sources, so a change to them rebuilds it and a second run is
 * instant. Needs Go (the `go` command); go.mod names the toolchain, which Go fetches itself when older.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PipelineError } from '../../lib/errors/index.ts';
import { repoRoot } from '../stack/topology.ts';

const run = promisify(execFile);

export const deploycheckSources = path.join(repoRoot, 'scripts', 'deploy', 'deploycheck');
export const deploycheckCache = path.join(repoRoot, '.cache', 'deploy', 'bin');

/** What a compile from scratch may take on a small CI machine (BuildKit is a large module). */
const buildTimeoutMs = 600_000;

function sourcesHash(): string {
  const hash = createHash('sha256').update(`${process.platform}-${process.arch}\n`);
  for (const file of readdirSync(deploycheckSources).sort()) {
    if (file.endsWith('.go') || file === 'go.mod' || file === 'go.sum') {
      hash.update(`${file}\n`).update(readFileSync(path.join(deploycheckSources, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One build at a time (test files run in parallel workers): the first takes the lock file and builds, the others
 * wait for it and use its binary. A lock whose holder died is taken over.
 */
async function withBuildLock(binary: string, build: () => Promise<void>): Promise<void> {
  const lock = path.join(deploycheckCache, 'build.lock');
  const deadline = Date.now() + buildTimeoutMs;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: number;
      try {
        holder = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      } catch {
        continue; // released between the two calls
      }
      if (!Number.isInteger(holder) || !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new PipelineError('STACK_UNAVAILABLE', `another process (pid ${holder}) holds ${lock}`);
      }
      await sleep(500);
    }
  }
  try {
    if (!existsSync(binary)) await build();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The built tool, compiling it first when this version of its sources has not been built yet. */
export async function ensureDeploycheck(): Promise<string> {
  const name = `deploycheck-${sourcesHash()}`;
  const binary = path.join(deploycheckCache, name);
  if (existsSync(binary)) return binary;
  mkdirSync(deploycheckCache, { recursive: true });
  await withBuildLock(binary, () => build(binary, name));
  return binary;
}

async function build(binary: string, name: string): Promise<void> {
  process.stderr.write(`deploycheck: building ${path.relative(repoRoot, deploycheckSources)} (first use)\n`);
  // Built under a name of its own and renamed into place: nobody ever runs a half-written binary.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await run('go', ['build', '-trimpath', '-buildvcs=false', '-o', partial, '.'], {
      cwd: deploycheckSources,
      timeout: buildTimeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    rmSync(partial, { force: true });
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PipelineError(
      'STACK_UNAVAILABLE',
      missing
        ? 'the deployment validators need Go (the `go` command; https://go.dev/dl or Debian golang-go)'
        : `could not build ${path.relative(repoRoot, deploycheckSources)}: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`,
      { cause: error },
    );
  }
  renameSync(partial, binary);
  for (const file of readdirSync(deploycheckCache)) {
    if (file.startsWith('deploycheck-') && file !== name && !file.endsWith('.partial')) {
      rmSync(path.join(deploycheckCache, file), { force: true });
    }
  }
}

/** Runs the tool and returns its JSON report; exit code 2 (unreadable input, bad usage) is an error. */
export async function runDeploycheck<Report>(args: readonly string[]): Promise<Report> {
  const binary = await ensureDeploycheck();
  try {
    const { stdout } = await run(binary, [...args], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    return JSON.parse(stdout) as Report;
  } catch (error) {
    throw new PipelineError(
      'COMMAND_FAILED',
      `deploycheck ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`,
      { cause: error },
    );
  }
}
