/**
 * The third-party code of the Debezium comparison, fetched from Maven Central at benchmark time into
 * `.cache/bench/debezium/` (git-ignored; nothing of it is committed):
 * - Kafka Connect's runtime (`org.apache.kafka:connect-runtime` and what it pulls in, connect-json among it) at
 *   the stack broker's version, on the worker's class path;
 * - Debezium's PostgreSQL connector and its JDBC sink connector, each with its runtime dependencies in its own
 *   folder under the plugin path (Kafka's own jars are `provided` for them, so the runtime supplies those);
 * - Apicurio's Kafka Connect converter (2.6.x: 3.x does not resolve from Maven Central, its parent pom
 *   io.apicurio:apicurio-registry:3.0.9 is not published) in a plugin folder of its own. It drags in
 *   kafka-clients and connect-api 3.9; Connect's plugin isolation loads org.apache.kafka classes from the runtime,
 *   so those copies are never used.
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

/** Apicurio Registry's converter, 2.6 line (registry API v2, which the stack's Apicurio 3 still serves). */
export const apicurioVersion = process.env.BENCH_APICURIO_CONVERTER_VERSION ?? '2.6.13.Final';

export const cacheDirectory = path.join(repoRoot, '.cache', 'bench', 'debezium');

export interface DebeziumArtifacts {
  /** Jars of the Connect worker's class path. */
  runtimeClasspath: string[];
  /** The `plugin.path` folder: one sub-folder per connector. */
  pluginPath: string;
  kafkaVersion: string;
  debeziumVersion: string;
  jdbcSinkVersion: string;
  apicurioVersion: string;
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
function fetchSet(
  name: string,
  target: string,
  dependencies: Coordinate[],
  excludeArtifactIds: string[] = [],
): string[] {
  const marker = path.join(target, '.complete');
  const wanted = [
    ...dependencies.map((d) => `${d.groupId}:${d.artifactId}:${d.version}`),
    ...excludeArtifactIds.map((id) => `-${id}`),
  ].join('\n');
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
      ...(excludeArtifactIds.length > 0 ? [`-DexcludeArtifactIds=${excludeArtifactIds.join(',')}`] : []),
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

export function fetchDebeziumArtifacts(
  options: { jdbcSink?: boolean; apicurio?: boolean } = {},
): DebeziumArtifacts {
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
    // Without its own jackson-databind: the runtime's (same 2.19.0) is used. With a copy in the plugin folder,
    // Hibernate's ServiceLoader finds the runtime's Jdk8Module, bound to the runtime's databind, and the task
    // fails at start with "ServiceConfigurationError: ...Jdk8Module not a subtype" (Debezium's own plugin
    // archive does not ship databind either).
    fetchSet(
      'debezium-connector-jdbc',
      path.join(pluginPath, 'debezium-connector-jdbc'),
      [{ groupId: 'io.debezium', artifactId: 'debezium-connector-jdbc', version: jdbcSinkVersion }],
      ['jackson-databind', 'jackson-core', 'jackson-annotations'],
    );
  }
  if (options.apicurio ?? false) {
    fetchSet('apicurio-converter', path.join(pluginPath, 'apicurio-converter'), [
      { groupId: 'io.apicurio', artifactId: 'apicurio-registry-utils-converter', version: apicurioVersion },
    ]);
  }
  return { runtimeClasspath, pluginPath, kafkaVersion, debeziumVersion, jdbcSinkVersion, apicurioVersion };
}
