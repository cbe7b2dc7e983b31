/**
 * Installer plumbing shared by the services: stamp files that make installs idempotent, running installer commands
 * with their output sent to the install log, and Debian packages as the source of system binaries.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import { layout } from './layout.ts';

export const isRoot = process.getuid?.() === 0;

/** Progress goes to stderr, so stdout stays clean for `env` and for callers that parse it. */
export function progress(message: string): void {
  process.stderr.write(`[stack] ${message}\n`);
}

export function digest(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** A stamp records the digest of an install's inputs; a changed input (version, pom, requirements) reinstalls. */
export function stampMatches(name: string, value: string): boolean {
  try {
    return fs.readFileSync(layout.stampFile(name), 'utf8').trim() === value;
  } catch {
    return false;
  }
}

export function writeStamp(name: string, value: string): void {
  fs.mkdirSync(layout.stampsDir, { recursive: true });
  fs.writeFileSync(layout.stampFile(name), `${value}\n`);
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Where output goes; the install log unless told otherwise. */
  logFile?: string;
}

/** Runs a command to completion with output appended to a log; on failure the error quotes the log's last lines. */
export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<void> {
  const logFile = options.logFile ?? layout.installLog;
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  const startOffset = fs.fstatSync(fd).size;
  try {
    fs.writeSync(fd, `\n==== ${new Date().toISOString()} $ ${command} ${args.join(' ')}\n`);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, {
        stdio: ['ignore', fd, fd],
        env: options.env ?? process.env,
        cwd: options.cwd,
        uid: options.uid,
        gid: options.gid,
      });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) {
      const tail = fs.readFileSync(logFile, 'utf8').slice(startOffset).split('\n').slice(-15).join('\n');
      throw new StackError('install-failed', `${command} ${args.join(' ')} exited with ${code}:\n${tail}`);
    }
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError('install-failed', `could not run ${command}`, { cause: error });
  } finally {
    fs.closeSync(fd);
  }
}

export function commandExists(file: string): boolean {
  if (file.includes('/')) return fs.existsSync(file);
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && fs.existsSync(path.join(dir, file)));
}

let aptUpdated = false;

/**
 * Installs a Debian package when `binary` is missing. Without root we cannot, so the error names the package for
 * the developer to install.
 */
export async function ensureDebianPackage(binary: string, pkg: string): Promise<void> {
  if (commandExists(binary)) return;
  if (!isRoot) {
    throw new StackError(
      'missing-prerequisite',
      `${binary} not found: install the Debian package ${pkg} (sudo apt-get install -y ${pkg}) and run again`,
    );
  }
  progress(`installing Debian package ${pkg} (output in ${layout.installLog})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await run('apt-get', ['update'], { env });
    aptUpdated = true;
  }
  await run('apt-get', ['install', '-y', '--no-install-recommends', pkg], { env });
  if (!commandExists(binary)) {
    throw new StackError('install-failed', `${pkg} installed but ${binary} is still missing`);
  }
}
