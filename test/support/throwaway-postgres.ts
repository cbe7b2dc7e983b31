/**
 * A PostgreSQL 15 cluster of the test's own (the stack's Debian binaries, a temporary data folder, free loopback
 * port), with the roles and databases of db/init, like the stack's. Tests that crash the database (kill -9 the
 * postmaster, then start it again: crash recovery) use it, so the shared cluster every other test relies on
 * never goes down. `kill()`, `stop()` and `start()` can be repeated; the data survives until `destroy()`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { makeTraversable, type OsUser, postgresOsUser } from '../../scripts/stack/os-user.ts';
import { bootstrapFiles } from '../../scripts/stack/postgres-bootstrap.ts';
import { renderPgHba, renderPostgresConf } from '../../scripts/stack/postgres-config.ts';
import { roles } from '../../scripts/stack/topology.ts';
import { freePort } from './free-port.ts';

const binDir = '/usr/lib/postgresql/15/bin';
const superuser = 'postgres';

export class ThrowawayPostgres {
  private process: ChildProcess | undefined;

  private constructor(
    readonly directory: string,
    readonly port: number,
    private readonly user: OsUser | undefined,
  ) {}

  private get dataDir(): string {
    return path.join(this.directory, 'data');
  }

  private get socketDir(): string {
    return path.join(this.directory, 'run');
  }

  /** A URL for one of db/init's roles (their throwaway passwords) on one of its databases. */
  url(role: keyof typeof roles, database: string): string {
    const { name, password } = roles[role];
    return `postgres://${name}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  static async create(): Promise<ThrowawayPostgres> {
    // /tmp paths stay short: unix socket paths are limited to 107 bytes.
    const directory = mkdtempSync('/tmp/throwaway-pg-');
    const user = postgresOsUser();
    const cluster = new ThrowawayPostgres(directory, await freePort(), user);
    for (const folder of [directory, cluster.dataDir, cluster.socketDir]) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      if (user) chownSync(folder, user.uid, user.gid);
      chmodSync(folder, 0o700);
    }
    if (user) makeTraversable(directory, user);
    const init = spawnSync(
      path.join(binDir, 'initdb'),
      [
        '-D',
        cluster.dataDir,
        '-U',
        superuser,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ],
      { encoding: 'utf8', cwd: '/', timeout: 120_000, ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    if (init.status !== 0) throw new Error(`initdb of the throwaway cluster failed: ${init.stderr}`);
    const owned = (file: string, content: string) => {
      writeFileSync(file, content, { mode: 0o600 });
      if (user) chownSync(file, user.uid, user.gid);
    };
    owned(
      path.join(cluster.dataDir, 'postgresql.conf'),
      renderPostgresConf({ port: cluster.port, socketDir: cluster.socketDir }),
    );
    owned(path.join(cluster.dataDir, 'pg_hba.conf'), renderPgHba(superuser));
    await cluster.start();
    for (const file of bootstrapFiles()) {
      const ran = spawnSync(
        path.join(binDir, 'psql'),
        [
          '--no-psqlrc',
          '--quiet',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          cluster.socketDir,
          '-p',
          String(cluster.port),
          '-U',
          superuser,
          '-d',
          'postgres',
          '-f',
          file,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      if (ran.status !== 0)
        throw new Error(`${path.basename(file)} failed on the throwaway cluster: ${ran.stderr}`);
    }
    return cluster;
  }

  /** Starts the postmaster (after a kill: crash recovery) and waits until it accepts connections. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running()) return;
    const log = openSync(path.join(this.directory, 'postgres.log'), 'a');
    if (this.user) chownSync(path.join(this.directory, 'postgres.log'), this.user.uid, this.user.gid);
    this.process = spawn(path.join(binDir, 'postgres'), ['-D', this.dataDir], {
      cwd: '/',
      stdio: ['ignore', log, log],
      ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}),
    });
    const deadline = Date.now() + timeoutMs;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 1_000)) {
      const client = new pg.Client({
        host: this.socketDir,
        port: this.port,
        user: superuser,
        database: 'postgres',
      });
      client.on('error', () => undefined);
      const ready = await client.connect().then(
        () => client.end().then(() => true),
        () => false,
      );
      if (ready) return;
      if (!this.running())
        throw new Error(
          `the throwaway postgres exited (${this.process.exitCode}); see ${this.directory}/postgres.log`,
        );
      if (Date.now() > deadline)
        throw new Error(`the throwaway postgres did not start within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** A killed process has no exit code, only a signal. */
  private running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** kill -9 of the postmaster: a crash. Its backends notice and exit; `start()` runs crash recovery. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
    // Orphaned backends exit on their own once the postmaster is gone; the next start waits for the port anyway.
  }

  /** A fast, clean shutdown (SIGINT). */
  async stop(): Promise<void> {
    await this.signal('SIGINT');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    // Backends orphaned by a kill may linger for a moment; give the files a chance to be released.
    rmSync(this.directory, { recursive: true, force: true });
  }
}
