/**
 * Pid files, detached spawning and stopping by pid. The stack only ever signals processes whose pid it recorded and
 * whose command line still looks like what it started, so a reused pid never gets killed by mistake.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';

export interface ProcInfo {
  argv: string[];
  /** The state letter of /proc/<pid>/stat: R, S, D, Z (zombie), ... */
  state: string;
}

export type PidState =
  | { kind: 'absent' }
  | { kind: 'running'; pid: number }
  | { kind: 'stale'; pid: number; reason: 'gone' | 'reused' | 'zombie' };

/** A pid file holds one positive integer; anything else (empty, truncated, garbage) counts as no pid file. */
export function parsePidFile(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const pid = Number(trimmed);
  return pid > 1 ? pid : undefined;
}

/** Pure decision: is the recorded pid still the process we started? */
export function classifyPid(
  pid: number | undefined,
  proc: ProcInfo | undefined,
  markers: readonly string[],
): PidState {
  if (pid === undefined) return { kind: 'absent' };
  if (proc === undefined) return { kind: 'stale', pid, reason: 'gone' };
  // A zombie has exited already; it only waits for its parent to reap it.
  if (proc.state === 'Z') return { kind: 'stale', pid, reason: 'zombie' };
  const cmdline = proc.argv.join(' ');
  if (!markers.every((marker) => cmdline.includes(marker))) return { kind: 'stale', pid, reason: 'reused' };
  return { kind: 'running', pid };
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in stat is parenthesised and may itself contain spaces or ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return { argv, state };
  } catch {
    return undefined;
  }
}

export function readPidFile(file: string): number | undefined {
  try {
    return parsePidFile(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export function pidState(pidFile: string, markers: readonly string[]): PidState {
  const pid = readPidFile(pidFile);
  return classifyPid(pid, pid === undefined ? undefined : readProc(pid), markers);
}

export function writePidFile(file: string, pid: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${pid}\n`);
}

export function removePidFile(file: string): void {
  fs.rmSync(file, { force: true });
}

export interface DetachedCommand {
  command: string;
  args: readonly string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as another OS user (Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
}

/**
 * Starts a server in its own session (setsid) with stdout/stderr appended to its log file, so it outlives the
 * `npm run stack` process and never writes to the terminal that started it.
 */
export async function spawnDetached(cmd: DetachedCommand): Promise<number> {
  fs.mkdirSync(path.dirname(cmd.logFile), { recursive: true });
  const fd = fs.openSync(cmd.logFile, 'a');
  try {
    fs.writeSync(fd, `\n==== ${new Date().toISOString()} starting ${cmd.command} ${cmd.args.join(' ')}\n`);
    const child = spawn(cmd.command, cmd.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: cmd.env ?? process.env,
      cwd: cmd.cwd,
      uid: cmd.uid,
      gid: cmd.gid,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new StackError('start-failed', `could not start ${cmd.command}`, { cause: error })),
      );
    });
    child.unref();
    if (child.pid === undefined) throw new StackError('start-failed', `${cmd.command} has no pid`);
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

async function waitGone(pid: number, markers: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (classifyPid(pid, readProc(pid), markers).kind !== 'running') return true;
    await sleep(100);
  }
  return classifyPid(pid, readProc(pid), markers).kind !== 'running';
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Asks the process to stop, waits, then kills its whole process group (it is a session leader we created, so the
 * group holds only its own children, e.g. Postgres' backends).
 */
export async function stopProcess(
  pid: number,
  markers: readonly string[],
  stopSignal: NodeJS.Signals,
  timeoutMs: number,
): Promise<'clean' | 'killed'> {
  signal(pid, stopSignal);
  if (await waitGone(pid, markers, timeoutMs)) return 'clean';
  signal(-pid, 'SIGKILL');
  if (await waitGone(pid, markers, 5_000)) return 'killed';
  throw new StackError('stop-failed', `process ${pid} is still running after SIGKILL`);
}

export function isAlive(pid: number): boolean {
  const proc = readProc(pid);
  return proc !== undefined && proc.state !== 'Z';
}
