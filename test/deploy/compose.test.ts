/**
 * docker-compose.yml, validated offline as Docker Compose loads it (compose-go) and against the project's rules,
 * and checked to agree with the native stack: the same variable names (lib/config/sections.ts), the services'
 * default ops ports, the databases, roles and throwaway passwords of scripts/stack/topology.ts, the Dockerfile's
 * targets and Prometheus' scrape targets. Broken copies must fail, so the validator is known to bite.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sections } from '../../lib/config/sections.ts';
import {
  type ComposeService,
  type ComposeValidation,
  composeFile,
  validateCompose,
} from '../../scripts/deploy/validate-compose.ts';
import { validateDockerfile } from '../../scripts/deploy/validate-dockerfile.ts';
import { connectionEnv, ports, repoRoot } from '../../scripts/stack/topology.ts';

const original = readFileSync(composeFile, 'utf8');
const scratch = mkdtempSync(path.join(tmpdir(), 'compose-check-'));
let valid: ComposeValidation;

// The first run compiles the Go validator (BuildKit and compose-go) into .cache/deploy: allow for it.
beforeAll(async () => {
  valid = await validateCompose();
}, 900_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function service(name: string): ComposeService {
  const found = valid.report.project?.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** The long-running pipeline services, by the entry point each runs. */
const pipeline = {
  reader: 'services/replication-reader/main.ts',
  sink: 'services/raw-sink/main.ts',
  marts: 'services/marts-builder/main.ts',
  ops: 'services/ops/server/main.ts',
} as const;

function entrySource(entry: string): string {
  return readFileSync(path.join(repoRoot, entry), 'utf8');
}

/** The sections an entry point loads: configure('name', [...]) and loadConfig([...]), plus runtime. */
function sectionsOf(entry: string): (keyof typeof sections)[] {
  const lists = [...entrySource(entry).matchAll(/(?:configure\('[^']+',\s*|loadConfig\()\[([^\]]*)\]/g)];
  const names = lists.flatMap((list) => [...(list[1] ?? '').matchAll(/'(\w+)'/g)].map((name) => name[1]));
  return ['runtime', ...names] as (keyof typeof sections)[];
}

function variablesOf(names: (keyof typeof sections)[]): { all: Set<string>; required: string[] } {
  const all = new Set<string>();
  const required: string[] = [];
  for (const name of names) {
    for (const [variable, schema] of Object.entries(sections[name].in.shape)) {
      all.add(variable);
      if (!(schema as { safeParse(value: unknown): { success: boolean } }).safeParse(undefined).success) {
        required.push(variable);
      }
    }
  }
  return { all, required };
}

describe('docker-compose.yml', () => {
  it('loads as Docker Compose loads it and follows the project rules', () => {
    expect(valid.report.errors).toEqual([]);
    expect(valid.report.warnings).toEqual([]);
    expect(valid.findings).toEqual([]);
  });

  it('keeps the infrastructure in the default profile and the pipeline in its own', () => {
    for (const name of ['postgres', 'kafka', 'registry']) expect(service(name).profiles ?? []).toEqual([]);
    for (const name of [...Object.keys(pipeline), 'migrate', 'migrate-core', 'publication']) {
      expect(service(name).profiles).toEqual(['pipeline']);
    }
    expect(service('prometheus').profiles).toEqual(['monitoring']);
  });

  it.each(Object.entries(pipeline))(
    '%s runs %s on its default ops port, probed and published on loopback',
    (name, entry) => {
      const defaultPort = Number(entrySource(entry).match(/const defaultOpsPort = (\d+);/)?.[1]);
      expect(defaultPort).toBeGreaterThanOrEqual(9100);
      const found = service(name);
      expect(found.command).toEqual(['node', `dist/${entry.replace(/\.ts$/, '.js')}`]);
      expect(found.environment?.OPS_PORT).toBe(String(defaultPort));
      expect(found.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${defaultPort}/readyz`);
      expect(found.ports?.map((mapping) => [mapping.host_ip, mapping.target])).toEqual([
        ['127.0.0.1', defaultPort],
      ]);
    },
  );

  it.each(Object.entries(pipeline))(
    '%s gets every variable its sections require and no other',
    (name, entry) => {
      const { all, required } = variablesOf(sectionsOf(entry));
      const given = Object.keys(service(name).environment ?? {});
      expect(given.filter((variable) => !all.has(variable))).toEqual([]);
      expect(required.filter((variable) => !given.includes(variable))).toEqual([]);
    },
  );

  it('uses the native stack databases, roles and throwaway passwords, inside the compose network', () => {
    const native = connectionEnv();
    const inNetwork = (url: string) => url.replace(`127.0.0.1:${ports.postgres}`, 'postgres:5432');
    let checked = 0;
    for (const [name, found] of Object.entries(valid.report.project?.services ?? {})) {
      if (!found.build) continue;
      for (const variable of [
        'DATABASE_URL_CORE',
        'DATABASE_URL_CORE_OWNER',
        'DATABASE_URL_ANALYTICS',
        'DBT_DATABASE_URL',
      ]) {
        const value = found.environment?.[variable];
        if (value === undefined) continue;
        expect(value, `${name} ${variable}`).toBe(inNetwork(native[variable] ?? ''));
        checked++;
      }
      const key = found.environment?.CDC_PSEUDONYMISATION_KEY;
      if (key !== undefined) expect(key).toBe(native.CDC_PSEUDONYMISATION_KEY);
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('reaches Kafka, the registry and PostgreSQL on the addresses those services offer in the network', () => {
    const kafka = service('kafka').environment?.KAFKA_ADVERTISED_LISTENERS ?? '';
    const registryPort = service('registry').ports?.[0];
    expect(registryPort).toMatchObject({ target: 8080, published: String(ports.schemaRegistry) });
    expect(service('postgres').ports?.[0]).toMatchObject({ target: 5432, published: String(ports.postgres) });
    for (const name of ['reader', 'sink', 'marts', 'ops', 'cdc']) {
      const environment = service(name).environment ?? {};
      expect(kafka).toContain(`INTERNAL://${environment.KAFKA_BROKERS}`);
      if (environment.SCHEMA_REGISTRY_URL) {
        expect(environment.SCHEMA_REGISTRY_URL).toBe('http://registry:8080/apis/ccompat/v7');
      }
    }
  });

  it('lets the sink scale, and gives the reader time to confirm its position on stop', () => {
    const sink = service('sink');
    expect(sink.container_name).toBeUndefined();
    expect(sink.ports?.every((mapping) => !mapping.published)).toBe(true);
    const seconds = (duration = '') =>
      [...duration.matchAll(/(\d+)([hms])/g)].reduce(
        (total, [, amount, unit]) =>
          total + Number(amount) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'],
        0,
      );
    expect(seconds(service('reader').stop_grace_period)).toBeGreaterThanOrEqual(60);
  });

  it('runs the set-up once, in order, before the services', () => {
    expect(service('migrate').command).toEqual(['node', 'dist/scripts/db/main.js', 'migrate']);
    expect(service('migrate-core').command).toEqual([
      'node',
      'dist/scripts/db/main.js',
      'migrate',
      '--target',
      'core',
    ]);
    expect(service('publication').depends_on?.['migrate-core']?.condition).toBe(
      'service_completed_successfully',
    );
    expect(service('reader').depends_on?.publication?.condition).toBe('service_completed_successfully');
    expect(service('sink').depends_on?.migrate?.condition).toBe('service_completed_successfully');
  });

  it('builds its images from targets the Dockerfile ships', async () => {
    const { shipped } = await validateDockerfile();
    const targets = Object.values(valid.report.project?.services ?? {}).flatMap((found) =>
      found.build ? [found.build.target] : [],
    );
    expect(new Set(targets)).toEqual(new Set(shipped));
  });

  it('offers Prometheus every target it scrapes, on the right port', () => {
    const prometheus = readFileSync(
      path.join(repoRoot, 'monitoring', 'prometheus', 'prometheus.yml'),
      'utf8',
    );
    const targets = [...prometheus.matchAll(/"(reader|sink|marts|ops):(\d+)"/g)];
    expect(targets.map((target) => target[1]).sort()).toEqual(['marts', 'ops', 'reader', 'sink']);
    for (const [, name, port] of targets) expect(service(name ?? '').environment?.OPS_PORT).toBe(port);
  });
});

/** Compose's `${...}`, spelt so that it does not read as a misplaced JavaScript template placeholder. */
const interpolation = (body: string) => `$${'{'}${body}}`;

/** Each mutation must change the file, then the validator must report the problem. */
const broken: { name: string; from: string | RegExp; to: string; expected: RegExp }[] = [
  {
    name: 'a depends_on on a service that does not exist',
    from: 'migrate-core:\n        condition',
    to: 'migrate-kore:\n        condition',
    expected: /depends on undefined service "migrate-kore"/,
  },
  {
    name: 'a key the Compose specification does not know',
    from: '    stop_grace_period: 120s\n',
    to: '    stop_grace_period: 120s\n    restart_policy: always\n',
    expected: /restart_policy/,
  },
  {
    name: 'a variable no section of lib/config reads',
    from: '      CDC_SLOT_NAME: cdc_reader\n',
    to: '      CDC_SLOT: cdc_reader\n',
    expected: /sets CDC_SLOT, which no section/,
  },
  {
    name: 'a credential written into the file',
    from: `SLACK_WEBHOOK_URL: ${interpolation('SLACK_WEBHOOK_URL:-')}`,
    to: 'SLACK_WEBHOOK_URL: https://hooks.slack.com/services/T000/B000/XXXX',
    expected: /SLACK_WEBHOOK_URL must come from the environment/,
  },
  {
    name: 'a database password that is not the throwaway one',
    from: 'postgres://cdc_sink:cdc_sink@postgres',
    to: 'postgres://cdc_sink:Pr0duction@postgres',
    expected: /DATABASE_URL_ANALYTICS must use a local stack role/,
  },
  {
    name: 'a variable without a default',
    from: `LOG_LEVEL: ${interpolation('LOG_LEVEL:-info')}`,
    to: `LOG_LEVEL: ${interpolation('LOG_LEVEL')}`,
    expected: /"LOG_LEVEL" variable is not set/,
  },
  {
    name: 'a writable root filesystem',
    from: '  read_only: true\n',
    to: '  read_only: false\n',
    expected: /read_only: true/,
  },
  {
    name: 'a health check probing another port',
    from: "fetch('http://127.0.0.1:9102/readyz')",
    to: "fetch('http://127.0.0.1:9112/readyz')",
    expected: /probes port 9112 but OPS_PORT is 9102/,
  },
  {
    name: 'a fixed host port on the scalable sink',
    from: '"127.0.0.1::9102"',
    to: '"127.0.0.1:9102:9102"',
    expected: /scales, so it must not publish a fixed host port/,
  },
  {
    name: 'a port published on every interface',
    from: '"127.0.0.1:9100:9100"',
    to: '"9100:9100"',
    expected: /bind it to 127\.0\.0\.1/,
  },
  {
    name: 'waiting for a migration to start instead of to finish',
    from: /condition: service_completed_successfully/,
    to: 'condition: service_started',
    expected: /with service_started; wait for service_completed_successfully/,
  },
];

describe('a broken copy of docker-compose.yml fails', () => {
  it.each(broken)('$name', async ({ from, to, expected }) => {
    const text = original.replace(from, to);
    expect(text, 'the mutation must apply').not.toBe(original);
    const file = path.join(mkdtempSync(path.join(scratch, 'case-')), 'docker-compose.yml');
    writeFileSync(file, text);
    const { findings } = await validateCompose(file);
    expect(findings.map((finding) => `${finding.where}: ${finding.problem}`).join('\n')).toMatch(expected);
  });
});
