/**
 * Runs the bootstrap SQL of db/init (roles, databases, grants) through psql as the superuser over the unix socket,
 * exactly as the postgres Docker image runs them from /docker-entrypoint-initdb.d. Only `.sql` files: the `.sh`
 * files there are for the Docker image alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { digest, progress, run, stampMatches, writeStamp } from './install.ts';
import { layout } from './layout.ts';
import { repoRoot } from './topology.ts';

export const initDir = path.join(repoRoot, 'db', 'init');
const stampName = 'postgres-bootstrap';

export function bootstrapFiles(): string[] {
  return fs
    .readdirSync(initDir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => path.join(initDir, file));
}

export interface PsqlTarget {
  psql: string;
  socketDir: string;
  port: number;
  superuser: string;
}

function bootstrapDigest(files: readonly string[]): string {
  return digest(...files.flatMap((file) => [path.basename(file), fs.readFileSync(file, 'utf8')]));
}

/** False when db/init changed since it last ran, or the cluster was re-initialised (initdb removes the stamp). */
export function bootstrapCurrent(): boolean {
  return stampMatches(stampName, bootstrapDigest(bootstrapFiles()));
}

export async function bootstrapCluster(target: PsqlTarget): Promise<void> {
  const files = bootstrapFiles();
  const inputs = bootstrapDigest(files);
  if (stampMatches(stampName, inputs)) return;
  progress(`postgres: running ${files.map((file) => path.basename(file)).join(', ')}`);
  for (const file of files) {
    await run(
      target.psql,
      [
        '--no-psqlrc',
        '--quiet',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        target.socketDir,
        '-p',
        String(target.port),
        '-U',
        target.superuser,
        '-d',
        'postgres',
        '-f',
        file,
      ],
      { logFile: layout.logFile('postgres') },
    );
  }
  writeStamp(stampName, inputs);
}

export function forgetBootstrap(): void {
  fs.rmSync(layout.stampFile(stampName), { force: true });
}
