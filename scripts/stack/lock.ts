/**
 * A lock file around `up` and `down`: test runners may call ensureStack() from several processes at once, and two
 * of them spawning Postgres on the same data folder would fail in confusing ways.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';
import { progress } from './install.ts';
import { layout } from './layout.ts';
import { isAlive, readPidFile } from './process.ts';

export async function withStackLock<T>(work: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  fs.mkdirSync(path.dirname(layout.lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(layout.lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPidFile(layout.lockFile);
      // The holder died without cleaning up (killed, crashed): the lock is ours to take.
      if (holder === undefined || !isAlive(holder)) {
        fs.rmSync(layout.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new StackError('locked', `another stack command (pid ${holder}) holds ${layout.lockFile}`);
      }
      if (!announced) progress(`waiting for another stack command (pid ${holder}) to finish`);
      announced = true;
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(layout.lockFile, { force: true });
  }
}
