/**
 * The third-party code of the Debezium comparison, fetched from Maven Central at benchmark time into
 * `.cache/bench/debezium/` (git-ignored; nothing of it is committed):
 * - Kafka Connect's runtime (`org.apache.kafka:connect-runtime` and what it pulls in, connect-json among it) at
 *   the stack broker's version, on the worker's class path;
 * - Debezium's PostgreSQL connector and its JDBC sink connector, each with its runtime dependencies in its own
 *   folder under the plugin path (Kafka's own jars are `provided` for them, so the runtime supplies those).
 *
 * Each set is resolved by `mvn dependency:copy-dependencies` on a generated pom, once: a `.complete` marker
 * names what was fetched, and a later run with the same coordinates does nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../scripts/stack/topology.ts';

/** Kafka Connect at the stack broker's version (.cache/stack/kafka/libs holds kafka-clients-4.1.0, no Connect). */
export const kafkaVersion = process.env.BENCH_CONNECT_VERSION ?? '4.1.0';
/** Debezium 3.3 is built and tested against Kafka 4.1. */
export const debeziumVersion = process.env.BENCH_DEBEZIUM_VERSION ?? '3.3.2.Final';
/** The JDBC sink connector's newest 3.3 release on Maven Central (3.3.2.Final was not published for it). */
export const jdbcSinkVersion = process.env.BENCH_DEBEZIUM_JDBC_VERSION ?? '3.3.1.Final';

export const cacheDirectory = path.join(repoRoot, '.cache', 'bench', 'debezium');

export interface DebeziumArtifacts {
  /** Jars of the Connect worker's class path. */
  runtimeClasspath: string[];
  /** The `plugin.path` folder: one sub-folder per connector. */
  pluginPath: string;
  kafkaVersion: string;
  debeziumVersion: string;
  jdbcSinkVersion: string;
}

interface Coordinate {
  groupId: string;
  artifactId: string;
  version: string;
}

function pom(name: string, dependencies: Coordinate[]): string {
  const entries = dependencies
    .map(
      (d) =>
        `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId><version>${d.version}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>bench.debezium</groupId>
  <artifactId>${name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${entries}
  </dependencies>
</project>
`;
}

/** Copies `dependencies` and their runtime dependencies into `target` (flat), unless already done. */
function fetchSet(name: string, target: string, dependencies: Coordinate[]): string[] {
  const marker = path.join(target, '.complete');
  const wanted = dependencies.map((d) => `${d.groupId}:${d.artifactId}:${d.version}`).join('\n');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return jars(target);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const work = path.join(cacheDirectory, 'poms', name);
  mkdirSync(work, { recursive: true });
  writeFileSync(path.join(work, 'pom.xml'), pom(name, dependencies));
  process.stderr.write(`bench debezium: fetching ${name} from Maven Central\n`);
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(work, 'pom.xml'),
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
      `-DoutputDirectory=${target}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    throw new Error(`mvn copy-dependencies for ${name} failed:\n${result.stdout}${result.stderr}`);
  }
  writeFileSync(marker, wanted);
  return jars(target);
}

function jars(directory: string): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.jar'))
    .sort()
    .map((file) => path.join(directory, file));
}

export function fetchDebeziumArtifacts(options: { jdbcSink?: boolean } = {}): DebeziumArtifacts {
  const kafka = (artifactId: string) => ({ groupId: 'org.apache.kafka', artifactId, version: kafkaVersion });
  const runtimeClasspath = fetchSet('connect-runtime', path.join(cacheDirectory, `connect-${kafkaVersion}`), [
    kafka('connect-runtime'),
    kafka('connect-json'),
    kafka('connect-api'),
    kafka('connect-transforms'),
    // Connect logs through slf4j (1.7 here) and ships no binding: print warnings and errors to stderr.
    { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '1.7.36' },
  ]);
  const pluginPath = path.join(cacheDirectory, `plugins-${debeziumVersion}`);
  fetchSet('debezium-connector-postgres', path.join(pluginPath, 'debezium-connector-postgres'), [
    { groupId: 'io.debezium', artifactId: 'debezium-connector-postgres', version: debeziumVersion },
  ]);
  if (options.jdbcSink ?? true) {
    fetchSet('debezium-connector-jdbc', path.join(pluginPath, 'debezium-connector-jdbc'), [
      { groupId: 'io.debezium', artifactId: 'debezium-connector-jdbc', version: jdbcSinkVersion },
    ]);
  }
  return { runtimeClasspath, pluginPath, kafkaVersion, debeziumVersion, jdbcSinkVersion };
}
