/**
 * Postgres refuses to run as root. When the stack runs as root, Postgres' programs run as the `postgres` OS user
 * that the Debian package creates; its files must be owned by that user and every folder above them traversable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import { isRoot, progress } from './install.ts';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** Finds a user in /etc/passwd text (name:x:uid:gid:...). Pure. */
export function findPasswdUser(passwd: string, name: string): OsUser | undefined {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 4) {
      return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
    }
  }
  return undefined;
}

/** The user Postgres runs as: `postgres` when we are root, otherwise ourselves. */
export function postgresOsUser(): OsUser | undefined {
  if (!isRoot) return undefined;
  const user = findPasswdUser(fs.readFileSync('/etc/passwd', 'utf8'), 'postgres');
  if (!user) {
    throw new StackError(
      'missing-prerequisite',
      'running as root but there is no `postgres` OS user (the postgresql-15 Debian package creates it)',
    );
  }
  return user;
}

/**
 * Folders above `dir` that `user` cannot traverse (no x bit for it). Pure over the stat results it is given, so the
 * decision is testable; `statOf` returns undefined for folders that do not exist yet.
 */
export function untraversableAncestors(
  dir: string,
  user: OsUser,
  statOf: (p: string) => { mode: number; uid: number; gid: number } | undefined,
): string[] {
  const blocked: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    const stat = statOf(current);
    if (stat) {
      const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) blocked.push(current);
    }
    const parent = path.dirname(current);
    if (parent === current) return blocked;
    current = parent;
  }
}

/** Adds o+x where needed (e.g. a repo cloned under a 0700 `mktemp -d` folder) and says so. */
export function makeTraversable(dir: string, user: OsUser): void {
  const statOf = (p: string) => {
    try {
      return fs.statSync(p);
    } catch {
      return undefined;
    }
  };
  for (const folder of untraversableAncestors(dir, user, statOf)) {
    const mode = fs.statSync(folder).mode & 0o7777;
    fs.chmodSync(folder, mode | 0o001);
    progress(`added o+x to ${folder} so the ${user.name} OS user can reach the Postgres data folder`);
  }
}

/** Creates `dir` (and parents) owned by `user`; without a separate user the folder is simply ours. */
export function ensureOwnedDir(dir: string, user: OsUser | undefined, mode = 0o700): void {
  fs.mkdirSync(dir, { recursive: true, mode });
  if (user) fs.chownSync(dir, user.uid, user.gid);
  fs.chmodSync(dir, mode);
}
