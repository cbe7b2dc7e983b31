/**
 * The Docker path (`up --docker`): docker-compose.yml with the official images. Only when an engine really
 * answers; a docker CLI without an engine (as on the project's machines) is an error, never a silent fallback.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { StackError } from './errors.ts';
import { createRegistry } from './registry.ts';
import { repoRoot } from './topology.ts';

const composeFile = path.join(repoRoot, 'docker-compose.yml');

export function dockerEngineAnswers(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    stdio: 'ignore',
    timeout: 15_000,
  });
  return result.status === 0;
}

function compose(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Compose's progress goes to stderr, keeping stdout for the caller's own output.
    const child = spawn('docker', ['compose', '-f', composeFile, ...args], { stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new StackError('start-failed', `docker compose ${args[0]} exited with ${code}`)),
    );
  });
}

function requireEngine(): void {
  if (!dockerEngineAnswers()) {
    throw new StackError(
      'docker-unavailable',
      '--docker needs a running Docker engine (`docker info` failed); run without --docker for the native stack',
    );
  }
}

export async function composeUp(): Promise<void> {
  requireEngine();
  await compose(['up', '--detach', '--wait']);
  // Same global rule as the native stack, stored so that GET /config reports it.
  await createRegistry().process?.configure?.();
}

export async function composeDown(): Promise<void> {
  requireEngine();
  await compose(['down']);
}
