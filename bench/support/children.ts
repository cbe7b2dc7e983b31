/**
 * The two ways the benchmarks run a measured process (compiled, heap-capped, see compiled.ts): to completion,
 * reading the one JSON line it prints last; or alongside the parent, talking over Node's IPC channel. Input
 * always travels as JSON in one environment variable, so the command line shows no URL (URLs carry passwords).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { benchNodeFlags, compiledScript } from './compiled.ts';

/** kafkajs prints a notice about its v2 partitioner on every producer; it says nothing about the run. */
const quiet = { KAFKAJS_NO_PARTITIONER_WARNING: '1' };

/** Runs `script` to completion and returns the JSON of its last stdout line. */
export function runToCompletion<T>(
  script: string,
  variable: string,
  input: unknown,
  timeoutMs = 30 * 60 * 1000,
): T {
  const result = spawnSync(process.execPath, [...benchNodeFlags(), compiledScript(script)], {
    env: { ...process.env, ...quiet, [variable]: JSON.stringify(input) },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: timeoutMs,
  });
  if (result.status !== 0) {
    const reason = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(`${script} failed (${reason}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as T;
}

export interface RunningChild<Message> {
  readonly process: ChildProcess;
  send(message: unknown): void;
  /** Resolves with the first message `accept` returns a value for, or rejects after `timeoutMs` or on exit. */
  waitFor<T>(accept: (message: Message) => T | undefined, what: string, timeoutMs: number): Promise<T>;
  /** Asks the child to stop (IPC `stop`, then SIGTERM, then SIGKILL) and resolves with its exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Starts `script` with an IPC channel; stdout and stderr go to the parent's stderr (progress, errors). */
export function startChild<Message>(
  script: string,
  variable: string,
  input: unknown,
  onMessage: (message: Message) => void = () => undefined,
): RunningChild<Message> {
  const child = spawn(process.execPath, [...benchNodeFlags(), compiledScript(script)], {
    env: { ...process.env, ...quiet, [variable]: JSON.stringify(input) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.pipe(process.stderr);
  child.stderr?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.on('message', (message) => onMessage(message as Message));
  return {
    process: child,
    send: (message) => {
      if (child.connected) child.send(message as never);
    },
    waitFor: <T>(accept: (message: Message) => T | undefined, what: string, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const listener = (message: unknown) => {
          const accepted = accept(message as Message);
          if (accepted === undefined) return;
          done();
          resolve(accepted);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script}: no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const onExit = (code: number | null) => {
          done();
          reject(new Error(`${script} exited (${code}) while waiting for ${what}`));
        };
        const done = () => {
          clearTimeout(timer);
          child.off('message', listener);
          child.off('exit', onExit);
        };
        child.on('message', listener);
        child.once('exit', onExit);
      }),
    stop: async (timeoutMs = 60_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      if (child.connected) child.send({ type: 'stop' });
      const escalate = setTimeout(() => child.kill('SIGTERM'), timeoutMs / 2);
      const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(escalate);
        clearTimeout(kill);
      }
    },
  };
}
