/**
 * Kafka Connect standalone with Debezium's PostgreSQL connector, as a child process of the bench: a worker
 * config (our Kafka, the cached plugin path, a file offset store in a temp folder, REST on a free local port)
 * and a connector config (pgoutput, its own slot and publication, one table, a unique topic prefix).
 *
 * Converters: Confluent's Avro converter is not on Maven Central (it lives in Confluent's own repository), so
 * this first comparison uses Kafka's JsonConverter with schemas disabled (plain JSON payloads of the Debezium
 * envelope). Apicurio's converter would speak to our registry, but io.apicurio:apicurio-registry-utils-converter
 * 3.0.9 does not resolve from Maven Central (its parent pom io.apicurio:apicurio-registry:3.0.9 is not published);
 * 2.6.x (registry API v2, which our 3.0.9 registry still serves) is the candidate, not wired yet.
 *
 * Debezium 3.3 logs, at start-up, that it cannot instantiate its CloudEventsConverter against Kafka 4.1's
 * connect-json (NoSuchMethodException JsonConverter.convertToConnect): harmless, that converter is not used.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DebeziumArtifacts } from './artifacts.ts';

export interface DebeziumConnectorOptions {
  name: string;
  /** The core database as a role with REPLICATION and SELECT on the table (the reader's role). */
  databaseUrl: string;
  slot: string;
  publication: string;
  table: string;
  topicPrefix: string;
  brokers: string[];
  partitions: number;
  /** Java heap cap, e.g. "512m" (BENCH_CONNECT_HEAP overrides). */
  heap?: string;
}

export interface RunningConnect {
  readonly process: ChildProcess;
  readonly restUrl: string;
  readonly logFile: string;
  readonly workerConfig: Record<string, string>;
  readonly connectorConfig: Record<string, string>;
  /** Resolves once the connector and its task report RUNNING over REST; rejects on exit or timeout. */
  waitUntilRunning(timeoutMs?: number): Promise<void>;
  /** Peak resident memory of the JVM so far (VmHWM), in bytes; 0 when unreadable. */
  peakRssBytes(): number;
  /** SIGTERM (Connect's shutdown hook stops the connector and flushes offsets), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** The last lines of the worker's log, for error messages. */
  logTail(lines?: number): string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function properties(values: Record<string, string>): string {
  // Backslashes are escapes in .properties files; none of our values needs one except Windows paths.
  return `${Object.entries(values)
    .map(([key, value]) => `${key}=${value.replaceAll('\\', '\\\\')}`)
    .join('\n')}\n`;
}

export async function startDebeziumConnect(
  artifacts: DebeziumArtifacts,
  options: DebeziumConnectorOptions,
): Promise<RunningConnect> {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-debezium-'));
  const port = await freePort();
  const restUrl = `http://127.0.0.1:${port}`;
  const workerConfig: Record<string, string> = {
    'bootstrap.servers': options.brokers.join(','),
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter.schemas.enable': 'false',
    'offset.storage.file.filename': path.join(work, 'offsets.dat'),
    'offset.flush.interval.ms': '1000',
    'plugin.path': artifacts.pluginPath,
    'plugin.discovery': 'only_scan',
    listeners: restUrl,
  };
  const database = new URL(options.databaseUrl);
  const connectorConfig: Record<string, string> = {
    name: options.name,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': database.hostname,
    'database.port': database.port || '5432',
    'database.user': decodeURIComponent(database.username),
    'database.password': decodeURIComponent(database.password),
    'database.dbname': database.pathname.slice(1),
    'topic.prefix': options.topicPrefix,
    'slot.name': options.slot,
    'publication.name': options.publication,
    // The bench creates the publication (the reader's role does not own the table) and the slot (before the
    // workload, so Debezium streams exactly the WAL our reader streams, and snapshots nothing).
    'publication.autocreate.mode': 'disabled',
    'snapshot.mode': 'no_data',
    'table.include.list': `public.${options.table}`,
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': String(options.partitions),
  };
  const workerFile = path.join(work, 'worker.properties');
  const connectorFile = path.join(work, 'connector.properties');
  writeFileSync(workerFile, properties(workerConfig), { mode: 0o600 });
  writeFileSync(connectorFile, properties(connectorConfig), { mode: 0o600 });
  const logFile = path.join(work, 'connect.log');
  const log = createWriteStream(logFile);
  const heap = process.env.BENCH_CONNECT_HEAP ?? options.heap ?? '1g';
  const child = spawn(
    'java',
    [
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      artifacts.runtimeClasspath.join(path.delimiter),
      'org.apache.kafka.connect.cli.ConnectStandalone',
      workerFile,
      connectorFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const logTail = (lines = 40) => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const workerConfigShown = { ...workerConfig };
  const connectorConfigShown = { ...connectorConfig, 'database.password': '***' };
  return {
    process: child,
    restUrl,
    logFile,
    workerConfig: workerConfigShown,
    connectorConfig: connectorConfigShown,
    logTail,
    peakRssBytes: () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1];
        return kb ? Number(kb) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    async waitUntilRunning(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exitCode !== undefined) {
          throw new Error(`Kafka Connect exited (${exitCode}) before the connector ran:\n${logTail()}`);
        }
        try {
          const response = await fetch(`${restUrl}/connectors/${options.name}/status`, {
            signal: AbortSignal.timeout(2_000),
          });
          if (response.ok) {
            const status = (await response.json()) as {
              connector: { state: string };
              tasks: { state: string; trace?: string }[];
            };
            const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
            if (failed) {
              throw new Error(
                `Debezium connector FAILED: ${(failed as { trace?: string }).trace ?? ''}\n${logTail()}`,
              );
            }
            if (
              status.connector.state === 'RUNNING' &&
              status.tasks.length > 0 &&
              status.tasks.every((task) => task.state === 'RUNNING')
            ) {
              return;
            }
          }
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('Debezium connector FAILED')) throw error;
          // REST not listening yet.
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`Debezium connector not RUNNING after ${timeoutMs} ms:\n${logTail()}`);
    },
    async stop(timeoutMs = 30_000) {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      if (!process.env.BENCH_KEEP_CONNECT_LOG) rmSync(work, { recursive: true, force: true });
    },
  };
}
