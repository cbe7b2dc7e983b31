/**
 * Apicurio Registry 3 from its Maven Central distribution, serving the Confluent Schema Registry API under
 * /apis/ccompat/v7. Its storage is the stack's Postgres (database `registry`), so schemas and their ids survive a
 * restart the way they do in a real deployment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import { portAcceptsConnections } from './health.ts';
import { digest, progress, run, stampMatches, writeStamp } from './install.ts';
import { layout } from './layout.ts';
import { copyArtifact, ensureJavaToolchain } from './maven.ts';
import { spawnDetached } from './process.ts';
import type { Health, Service } from './service.ts';
import { connectionEnv, databases, host, ports, roles, stackHome } from './topology.ts';

export const apicurioVersion = '3.0.9';
const artifact = `io.apicurio:apicurio-registry-app:${apicurioVersion}:tar.gz:all`;
const registryDir = path.join(stackHome, 'registry');
const distDir = path.join(registryDir, 'dist');
const runnerJar = path.join(distDir, `apicurio-registry-app-${apicurioVersion}-runner.jar`);
const logFile = layout.logFile('registry');
const baseUrl = `http://${host}:${ports.schemaRegistry}`;
const ccompatUrl = connectionEnv().SCHEMA_REGISTRY_URL ?? `${baseUrl}/apis/ccompat/v7`;
export const globalCompatibility = 'BACKWARD';

function distributionInstalled(): boolean {
  return stampMatches('registry-dist', digest(artifact)) && fs.existsSync(runnerJar);
}

async function installDistribution(): Promise<void> {
  if (distributionInstalled()) return;
  const inputs = digest(artifact);
  progress(`registry: fetching ${artifact} from Maven Central (output in ${layout.installLog})`);
  const download = path.join(registryDir, 'download');
  const staging = `${distDir}.partial`;
  fs.rmSync(download, { recursive: true, force: true });
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  await copyArtifact(artifact, download);
  const [tarball] = fs.readdirSync(download).filter((file) => file.endsWith('.tar.gz'));
  if (!tarball) throw new StackError('install-failed', `no .tar.gz in ${download} after mvn dependency:copy`);
  await run('tar', ['-xzf', path.join(download, tarball), '-C', staging]);
  fs.rmSync(distDir, { recursive: true, force: true });
  fs.renameSync(staging, distDir);
  // Maven keeps its own copy in ~/.m2; the 100 MB tarball here would only be dead weight.
  fs.rmSync(download, { recursive: true, force: true });
  writeStamp('registry-dist', inputs);
}

/** Apicurio is a Quarkus application: every property can be given as an environment variable. */
function registryEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    QUARKUS_HTTP_HOST: host,
    QUARKUS_HTTP_PORT: String(ports.schemaRegistry),
    // The packaged format prints dates as `2026-11+00-21`.
    QUARKUS_LOG_CONSOLE_FORMAT: '%d{yyyy-MM-dd HH:mm:ss,SSS} %p [%c{3.}] (%t) %m%n',
    // Enforced even before the PUT in configure() stores the rule (the Confluent API only reports a stored rule).
    APICURIO_RULES_GLOBAL_COMPATIBILITY: globalCompatibility,
    APICURIO_STORAGE_KIND: 'sql',
    APICURIO_STORAGE_SQL_KIND: 'postgresql',
    APICURIO_DATASOURCE_URL: `jdbc:postgresql://${host}:${ports.postgres}/${databases.registry}`,
    APICURIO_DATASOURCE_USERNAME: roles.registry.name,
    APICURIO_DATASOURCE_PASSWORD: roles.registry.password,
    // The default pool opens 20 connections at start; a development stack needs a handful.
    APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: '2',
    APICURIO_DATASOURCE_JDBC_MIN_SIZE: '2',
    APICURIO_DATASOURCE_JDBC_MAX_SIZE: '10',
    // Tests clean up the subjects they register (DELETE /subjects/...), which Apicurio 3 refuses by default.
    APICURIO_REST_DELETION_GROUP_ENABLED: 'true',
    APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
    APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED: 'true',
  };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: response.status, body };
}

async function subjectsAnswer(): Promise<Health> {
  const { status, body } = await getJson(`${ccompatUrl}/subjects`);
  return status === 200 && Array.isArray(body)
    ? { ok: true, detail: `GET /subjects: ${body.length} subject(s)` }
    : { ok: false, detail: `GET /subjects answered ${status}` };
}

async function compatibility(): Promise<string | undefined> {
  const { status, body } = await getJson(`${ccompatUrl}/config`);
  if (status !== 200 || typeof body !== 'object' || body === null) return undefined;
  const level =
    (body as Record<string, unknown>).compatibilityLevel ?? (body as Record<string, unknown>).compatibility;
  return typeof level === 'string' ? level : undefined;
}

export function createRegistry(): Service {
  return {
    name: 'registry',
    address: `${host}:${ports.schemaRegistry}`,
    port: ports.schemaRegistry,
    logFile,

    async install() {
      await ensureJavaToolchain();
      await installDistribution();
    },

    installed: distributionInstalled,

    async health() {
      const subjects = await subjectsAnswer();
      if (!subjects.ok) return subjects;
      const level = await compatibility();
      return level === globalCompatibility
        ? { ok: true, detail: `${subjects.detail}; compatibility ${level}` }
        : {
            ok: false,
            detail: `global compatibility is ${level ?? 'unknown'}, expected ${globalCompatibility}`,
          };
    },

    process: {
      cmdlineMarkers: [runnerJar],
      stopSignal: 'SIGTERM',
      stopTimeoutMs: 20_000,
      startTimeoutMs: 120_000,

      async spawn() {
        if (await portAcceptsConnections(host, ports.schemaRegistry)) {
          throw new StackError(
            'port-in-use',
            `port ${ports.schemaRegistry} is taken by a process this stack did not start`,
          );
        }
        return spawnDetached({
          command: 'java',
          args: [
            '-Xms64m',
            '-Xmx384m',
            '-XX:+ExitOnOutOfMemoryError',
            '-Djava.awt.headless=true',
            '-jar',
            runnerJar,
          ],
          env: registryEnv(),
          logFile,
          cwd: registryDir,
        });
      },

      ready: subjectsAnswer,

      /** The global rule lives in the registry's storage: set once, it survives restarts; re-asserted if changed. */
      async configure() {
        if ((await compatibility()) === globalCompatibility) return;
        const response = await fetch(`${ccompatUrl}/config`, {
          method: 'PUT',
          headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
          body: JSON.stringify({ compatibility: globalCompatibility }),
          signal: AbortSignal.timeout(5_000),
        });
        if (!response.ok) {
          throw new StackError(
            'start-failed',
            `PUT /config answered ${response.status}: ${await response.text()}`,
          );
        }
      },
    },
  };
}
