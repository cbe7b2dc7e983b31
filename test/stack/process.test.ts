import { describe, expect, it } from 'vitest';
import { backoffDelays } from '../../scripts/stack/health.ts';
import { parseJavaMajor } from '../../scripts/stack/maven.ts';
import { findPasswdUser, untraversableAncestors } from '../../scripts/stack/os-user.ts';
import { classifyPid, parsePidFile } from '../../scripts/stack/process.ts';

const kafkaMarkers = ['kafka.Kafka', '/stack/kafka/config/server.properties'];
const kafkaArgv = [
  'java',
  '-Xmx512m',
  '-cp',
  '/stack/kafka/libs/*',
  'kafka.Kafka',
  '/stack/kafka/config/server.properties',
];

describe('pid files', () => {
  it('accepts one positive integer and nothing else', () => {
    expect(parsePidFile('4242\n')).toBe(4242);
    expect(parsePidFile(' 17 ')).toBe(17);
    for (const text of [undefined, '', 'abc', '12 13', '-5', '0', '1', '3.5'])
      expect(parsePidFile(text)).toBeUndefined();
  });

  it('is running only when the process exists and its command line is ours', () => {
    expect(classifyPid(undefined, undefined, kafkaMarkers)).toEqual({ kind: 'absent' });
    expect(classifyPid(10, { argv: kafkaArgv, state: 'S' }, kafkaMarkers)).toEqual({
      kind: 'running',
      pid: 10,
    });
    expect(classifyPid(10, undefined, kafkaMarkers)).toEqual({ kind: 'stale', pid: 10, reason: 'gone' });
    expect(classifyPid(10, { argv: kafkaArgv, state: 'Z' }, kafkaMarkers)).toEqual({
      kind: 'stale',
      pid: 10,
      reason: 'zombie',
    });
  });

  it('treats a pid reused by another program, or by another stack, as stale', () => {
    expect(classifyPid(10, { argv: ['/usr/bin/vim', 'notes.txt'], state: 'S' }, kafkaMarkers).kind).toBe(
      'stale',
    );
    const otherStack = ['java', 'kafka.Kafka', '/elsewhere/kafka/config/server.properties'];
    expect(classifyPid(10, { argv: otherStack, state: 'S' }, kafkaMarkers)).toEqual({
      kind: 'stale',
      pid: 10,
      reason: 'reused',
    });
  });
});

describe('backoff', () => {
  it('grows by half up to the cap and never waits past the timeout', () => {
    expect(backoffDelays(2_000, 200, 1_000)).toEqual([200, 300, 450, 675]);
    const delays = backoffDelays(60_000);
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeLessThanOrEqual(60_000);
    expect(Math.max(...delays)).toBe(2_000);
    expect(backoffDelays(100)).toEqual([]);
  });
});

describe('prerequisites', () => {
  it('reads the Java major version from both version schemes', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });

  it('finds the postgres OS user in /etc/passwd', () => {
    const passwd =
      'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL administrator:/var/lib/postgresql:/bin/bash\n';
    expect(findPasswdUser(passwd, 'postgres')).toEqual({ name: 'postgres', uid: 101, gid: 104 });
    expect(findPasswdUser(passwd, 'nobody')).toBeUndefined();
  });

  it('lists the folders the postgres user cannot traverse, e.g. a 0700 mktemp folder owned by root', () => {
    const user = { name: 'postgres', uid: 101, gid: 104 };
    const stats: Record<string, { mode: number; uid: number; gid: number }> = {
      '/': { mode: 0o40755, uid: 0, gid: 0 },
      '/tmp': { mode: 0o41777, uid: 0, gid: 0 },
      '/tmp/tmp.abc': { mode: 0o40700, uid: 0, gid: 0 },
      '/tmp/tmp.abc/repo': { mode: 0o40755, uid: 0, gid: 0 },
      '/tmp/tmp.abc/repo/.cache': { mode: 0o40750, uid: 0, gid: 104 },
    };
    const blocked = untraversableAncestors('/tmp/tmp.abc/repo/.cache/stack/postgres', user, (p) => stats[p]);
    expect(blocked).toEqual(['/tmp/tmp.abc']);
  });
});
