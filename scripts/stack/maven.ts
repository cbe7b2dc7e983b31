/**
 * Java and Maven: Kafka and the schema registry are plain jars from Maven Central, so the stack needs a JDK 17+
 * (Kafka 4 brokers and Apicurio 3 both require 17) and Maven to fetch them. Both come from Debian packages.
 */
import { spawnSync } from 'node:child_process';
import { StackError } from './errors.ts';
import { ensureDebianPackage, run } from './install.ts';

const minimumJava = 17;

/** `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or `"1.8.0_402"` on old JDKs). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

let checked = false;

export async function ensureJavaToolchain(): Promise<void> {
  if (checked) return;
  await ensureDebianPackage('java', 'openjdk-17-jre-headless');
  await ensureDebianPackage('mvn', 'maven');
  // `java -version` writes to stderr.
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const text = `${result.stderr ?? ''}${result.stdout ?? ''}`;
  const major = parseJavaMajor(text);
  if (major === undefined || major < minimumJava) {
    throw new StackError(
      'missing-prerequisite',
      `java ${minimumJava}+ is required (found: ${text.split('\n')[0]}); install openjdk-17-jre-headless`,
    );
  }
  checked = true;
}

/** Batch mode and quiet: the output goes to the install log, and there is nobody to answer prompts. */
const mvnFlags = ['-B', '-q', '-Dstyle.color=never'];

export async function copyDependencies(pom: string, outputDirectory: string): Promise<void> {
  await run('mvn', [
    ...mvnFlags,
    '-f',
    pom,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${outputDirectory}`,
  ]);
}

/** `coordinates` as groupId:artifactId:version[:packaging[:classifier]]. */
export async function copyArtifact(coordinates: string, outputDirectory: string): Promise<void> {
  await run('mvn', [
    ...mvnFlags,
    'dependency:copy',
    `-Dartifact=${coordinates}`,
    `-DoutputDirectory=${outputDirectory}`,
  ]);
}
