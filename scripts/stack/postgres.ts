/**
 * PostgreSQL 15 from Debian's packages, as a private cluster under stackHome (never the system's `main` cluster):
 * initdb once, configuration rewritten on every start, bootstrap SQL from db/init.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { StackError } from './errors.ts';
import { portAcceptsConnections } from './health.ts';
import { ensureDebianPackage, progress, run } from './install.ts';
import { layout } from './layout.ts';
import { ensureOwnedDir, makeTraversable, type OsUser, postgresOsUser } from './os-user.ts';
import { bootstrapCluster, bootstrapCurrent, forgetBootstrap } from './postgres-bootstrap.ts';
import { renderPgHba, renderPostgresConf } from './postgres-config.ts';
import { spawnDetached } from './process.ts';
import type { Health, Service } from './service.ts';
import { databases, host, ports, postgresUrl, stackHome } from './topology.ts';

const binDir = '/usr/lib/postgresql/15/bin';
const superuser = 'postgres';
const clusterDir = path.join(stackHome, 'postgres');
const dataDir = path.join(clusterDir, 'data');
const socketDir = path.join(clusterDir, 'run');
const logFile = layout.logFile('postgres');

/** Unix socket paths are limited to 107 bytes; a deeply nested repo would fail late and obscurely without this. */
function checkSocketPath(): void {
  const socketPath = path.join(socketDir, `.s.PGSQL.${ports.postgres}`);
  if (Buffer.byteLength(socketPath) > 107) {
    throw new StackError(
      'missing-prerequisite',
      `the Postgres socket path ${socketPath} is longer than 107 bytes; set CDC_STACK_HOME to a shorter folder`,
    );
  }
}

function asUser(user: OsUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

async function initCluster(user: OsUser | undefined): Promise<void> {
  // A folder without PG_VERSION is a half-finished initdb: start over rather than guess.
  fs.rmSync(dataDir, { recursive: true, force: true });
  ensureOwnedDir(dataDir, user);
  progress(`postgres: initdb into ${dataDir}`);
  await run(
    path.join(binDir, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      superuser,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ],
    { ...asUser(user), cwd: '/' },
  );
  forgetBootstrap();
}

function writeOwned(file: string, content: string, user: OsUser | undefined): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  if (user) fs.chownSync(file, user.uid, user.gid);
}

async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2_000 });
  // A server shutting down mid-check emits 'error' on the client; without a listener that would crash the CLI.
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export function createPostgres(): Service {
  return {
    name: 'postgres',
    address: `${host}:${ports.postgres}`,
    port: ports.postgres,
    logFile,

    async install() {
      await ensureDebianPackage(path.join(binDir, 'postgres'), 'postgresql-15');
      checkSocketPath();
      const user = postgresOsUser();
      fs.mkdirSync(clusterDir, { recursive: true });
      if (user) makeTraversable(clusterDir, user);
      ensureOwnedDir(socketDir, user);
      if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await initCluster(user);
    },

    /** Includes the bootstrap SQL, so that a change in db/init reaches a running cluster on the next `up`. */
    installed() {
      return (
        fs.existsSync(path.join(binDir, 'postgres')) &&
        fs.existsSync(path.join(dataDir, 'PG_VERSION')) &&
        bootstrapCurrent()
      );
    },

    async health(): Promise<Health> {
      return withClient({ connectionString: postgresUrl('owner', databases.core) }, async (client) => {
        await client.query('SELECT 1');
        const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
        const walLevel = rows[0]?.wal_level;
        return walLevel === 'logical'
          ? { ok: true, detail: 'SELECT 1 as cdc_owner on core; wal_level=logical' }
          : { ok: false, detail: `wal_level is ${walLevel}, expected logical` };
      });
    },

    process: {
      cmdlineMarkers: [path.join(binDir, 'postgres'), dataDir],
      // SIGINT is Postgres' "fast" shutdown: roll back open transactions, checkpoint, exit.
      stopSignal: 'SIGINT',
      stopTimeoutMs: 30_000,
      startTimeoutMs: 30_000,

      async spawn() {
        if (await portAcceptsConnections(host, ports.postgres)) {
          throw new StackError(
            'port-in-use',
            `port ${ports.postgres} is taken by a process this stack did not start`,
          );
        }
        const user = postgresOsUser();
        writeOwned(
          path.join(dataDir, 'postgresql.conf'),
          renderPostgresConf({ port: ports.postgres, socketDir }),
          user,
        );
        writeOwned(path.join(dataDir, 'pg_hba.conf'), renderPgHba(superuser), user);
        return spawnDetached({
          command: path.join(binDir, 'postgres'),
          args: ['-D', dataDir],
          logFile,
          cwd: '/',
          ...asUser(user),
        });
      },

      async ready() {
        return withClient(
          { host: socketDir, port: ports.postgres, user: superuser, database: 'postgres' },
          async (client) => {
            await client.query('SELECT 1');
            return { ok: true, detail: 'superuser socket answers' };
          },
        );
      },

      async configure() {
        await bootstrapCluster({
          psql: path.join(binDir, 'psql'),
          socketDir,
          port: ports.postgres,
          superuser,
        });
      },
    },
  };
}
