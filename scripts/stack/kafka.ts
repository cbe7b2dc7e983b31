/**
 * Apache Kafka 4 in KRaft mode from its Maven Central jars: kafka/pom.xml lists them, Maven copies them into
 * stackHome/kafka/libs (the `libs/` of a binary distribution), and `kafka.Kafka` runs straight from that classpath.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { StackError } from './errors.ts';
import { portAcceptsConnections, withTimeout } from './health.ts';
import { digest, progress, run, stampMatches, writeStamp } from './install.ts';
import { renderLog4j2Properties, renderServerProperties } from './kafka-config.ts';
import { layout } from './layout.ts';
import { copyDependencies, ensureJavaToolchain } from './maven.ts';
import { spawnDetached } from './process.ts';
import type { Health, Service } from './service.ts';
import { host, ports, stackHome } from './topology.ts';

const pom = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kafka', 'pom.xml');
const kafkaDir = path.join(stackHome, 'kafka');
const libsDir = path.join(kafkaDir, 'libs');
const configDir = path.join(kafkaDir, 'config');
const dataDir = path.join(kafkaDir, 'data');
const serverProperties = path.join(configDir, 'server.properties');
const log4jProperties = path.join(configDir, 'log4j2.properties');
const logFile = layout.logFile('kafka');

function writeConfig(): void {
  fs.mkdirSync(configDir, { recursive: true });
  const input = { port: ports.kafka, controllerPort: ports.kafkaController, dataDir };
  fs.writeFileSync(serverProperties, renderServerProperties(input));
  fs.writeFileSync(log4jProperties, renderLog4j2Properties());
}

function javaArgs(heap: string[], mainClass: string, args: string[]): string[] {
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jProperties}`,
    `-Dkafka.logs.dir=${layout.logsDir}`,
    '-cp',
    `${libsDir}/*`,
    mainClass,
    ...args,
  ];
}

function libsInstalled(): boolean {
  return stampMatches('kafka-libs', digest(fs.readFileSync(pom, 'utf8'))) && fs.existsSync(libsDir);
}

function storageFormatted(): boolean {
  return fs.existsSync(path.join(dataDir, 'meta.properties'));
}

async function installLibs(): Promise<void> {
  if (libsInstalled()) return;
  const inputs = digest(fs.readFileSync(pom, 'utf8'));
  progress(`kafka: copying jars from Maven Central into ${libsDir} (output in ${layout.installLog})`);
  // Copy into a fresh folder and swap, so an interrupted download never leaves a half-filled classpath.
  const staging = `${libsDir}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  await copyDependencies(pom, staging);
  fs.rmSync(libsDir, { recursive: true, force: true });
  fs.renameSync(staging, libsDir);
  writeStamp('kafka-libs', inputs);
}

/** KRaft storage is formatted once; meta.properties marks a formatted log dir. */
async function formatStorage(): Promise<void> {
  if (storageFormatted()) return;
  fs.rmSync(dataDir, { recursive: true, force: true });
  writeConfig();
  // A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (what `random-uuid` prints).
  const clusterId = randomBytes(16).toString('base64url');
  progress(`kafka: formatting KRaft storage in ${dataDir} (cluster id ${clusterId})`);
  await run(
    'java',
    javaArgs(['-Xmx256m'], 'kafka.tools.StorageTool', [
      'format',
      '--standalone',
      // `=`: an id may start with '-', which the option parser would take for an option.
      `--cluster-id=${clusterId}`,
      '-c',
      serverProperties,
    ]),
    { logFile },
  );
}

/** A real metadata request through the same client library the pipeline's tests use. */
async function describeCluster(): Promise<Health> {
  const admin = new Kafka({
    clientId: 'stack-health',
    brokers: [`${host}:${ports.kafka}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    // Our own loop retries with backoff; kafkajs' retries would multiply the wait.
    retry: { retries: 0 },
  }).admin();
  try {
    await withTimeout('kafka metadata request', 4_000, admin.connect());
    const cluster = await withTimeout('kafka metadata request', 4_000, admin.describeCluster());
    return {
      ok: cluster.brokers.length > 0,
      detail: `metadata: ${cluster.brokers.length} broker(s), controller ${cluster.controller}, cluster ${cluster.clusterId}`,
    };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function createKafka(): Service {
  return {
    name: 'kafka',
    address: `${host}:${ports.kafka}`,
    port: ports.kafka,
    logFile,

    async install() {
      await ensureJavaToolchain();
      await installLibs();
      await formatStorage();
    },

    installed: () => libsInstalled() && storageFormatted(),

    health: describeCluster,

    process: {
      cmdlineMarkers: ['kafka.Kafka', serverProperties],
      stopSignal: 'SIGTERM',
      stopTimeoutMs: 30_000,
      startTimeoutMs: 90_000,

      async spawn() {
        for (const port of [ports.kafka, ports.kafkaController]) {
          if (await portAcceptsConnections(host, port)) {
            throw new StackError(
              'port-in-use',
              `port ${port} is taken by a process this stack did not start`,
            );
          }
        }
        writeConfig();
        return spawnDetached({
          command: 'java',
          args: javaArgs(['-Xms256m', '-Xmx512m'], 'kafka.Kafka', [serverProperties]),
          logFile,
          cwd: kafkaDir,
        });
      },

      ready: describeCluster,
    },
  };
}
