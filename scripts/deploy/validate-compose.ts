/**
 * Validates docker-compose.yml offline: first as Docker Compose itself loads it (compose-go, through deploycheck:
 * the Compose schema, so an unknown key fails; interpolation with an empty environment, so a variable without a
 * default fails; depends_on, networks and volumes that must exist), then against this project's rules for the
 * services built from the Dockerfile: the same variable names as the native stack (lib/config/sections.ts), no
 * credential but the local stack's throwaway ones, health checks on /readyz or /healthz at the service's OPS_PORT,
 * dependencies that wait for health or completion, loopback-only ports, and the Kubernetes-like hardening
 * (read-only root filesystem with a /tmp tmpfs, no capabilities, no privilege escalation, non-root).
 */
import path from 'node:path';
import { sections } from '../../lib/config/sections.ts';
import { connectionEnv, repoRoot, roles } from '../stack/topology.ts';
import { runDeploycheck } from './deploycheck.ts';
import { entryPointSource } from './entry-point.ts';

export const composeFile = path.join(repoRoot, 'docker-compose.yml');

/** Services that run as several replicas (`--scale`): a fixed host port or a container name would stop that. */
export const scalableServices = ['sink'] as const;

/** The subset of `docker compose config --format json` the rules read. */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  profiles?: string[];
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: { host_ip?: string; target: number; published?: string; protocol?: string }[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  privileged?: boolean;
  user?: string;
  container_name?: string;
  restart?: string;
  stop_grace_period?: string;
}

export interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
}

export interface ComposeReport {
  errors: string[];
  warnings: string[];
  project?: ComposeProject;
}

export interface Finding {
  where: string;
  problem: string;
}

/** Every variable some section of lib/config reads: the only names a service may be given. */
export function configVariables(): Set<string> {
  return new Set(Object.values(sections).flatMap((section) => Object.keys(section.in.shape)));
}

/** Secrets the file may hold only as the local stack's throwaway values; anything else comes from the environment. */
const databaseUrlVariables = [
  'DATABASE_URL_CORE',
  'DATABASE_URL_CORE_OWNER',
  'DATABASE_URL_ANALYTICS',
  'DBT_DATABASE_URL',
];
const environmentOnlySecrets = [
  'SENTRY_DSN',
  'SLACK_WEBHOOK_URL',
  'KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD',
];

function secretProblem(variable: string, value: string): string | undefined {
  if (databaseUrlVariables.includes(variable)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `${variable} is not a URL`;
    }
    const role = Object.values(roles).find((candidate) => candidate.name === url.username);
    return role && decodeURIComponent(url.password) === role.password
      ? undefined
      : `${variable} must use a local stack role with its throwaway password (scripts/stack/topology.ts)`;
  }
  if (environmentOnlySecrets.includes(variable) && value !== '') {
    return `${variable} must come from the environment (\${${variable}:-}), never be written here`;
  }
  if (variable === 'CDC_PSEUDONYMISATION_KEY' && value !== connectionEnv().CDC_PSEUDONYMISATION_KEY) {
    return 'CDC_PSEUDONYMISATION_KEY may only default to the local stack throwaway key';
  }
  return undefined;
}

/** A set-up step that runs once (migrations): `restart: "no"`; the others restart and are health-checked. */
function isOneShot(service: ComposeService): boolean {
  return service.restart === 'no';
}

/** The port a health check probes, when it is the node one-liner on /readyz or /healthz of 127.0.0.1. */
function probedPort(service: ComposeService): number | undefined {
  const test = service.healthcheck?.test ?? [];
  if (test[0] !== 'CMD' || test[1] !== 'node') return undefined;
  const match = test
    .slice(2)
    .join(' ')
    .match(/http:\/\/127\.0\.0\.1:(\d+)\/(?:readyz|healthz)\b/);
  return match ? Number(match[1]) : undefined;
}

function entryScriptProblem(service: ComposeService): string | undefined {
  const line = [...(service.entrypoint ?? []), ...(service.command ?? [])];
  if (line[0] !== 'node') return 'must run `node dist/<script>.js` without a shell';
  return entryPointSource(line[1])
    ? undefined
    : `runs ${line[1] ?? 'nothing'}, which is not a compiled entry point of this repository (dist/<path>.js)`;
}

function hardeningProblems(service: ComposeService): string[] {
  const problems: string[] = [];
  if (service.read_only !== true) problems.push('needs read_only: true (a read-only root filesystem)');
  if (!(service.tmpfs ?? []).some((mount) => mount === '/tmp' || mount.startsWith('/tmp:'))) {
    problems.push('needs a tmpfs on /tmp, its only writable place');
  }
  if (!(service.cap_drop ?? []).includes('ALL')) problems.push('needs cap_drop: [ALL]');
  if ((service.cap_add ?? []).length > 0) problems.push('must not add capabilities');
  if (service.privileged) problems.push('must not be privileged');
  if (!(service.security_opt ?? []).some((option) => /^no-new-privileges(:true)?$/.test(option))) {
    problems.push('needs security_opt: [no-new-privileges:true]');
  }
  if (service.user !== undefined && /^(root|0)(:|$)/.test(service.user))
    problems.push('must not run as root');
  return problems;
}

function environmentProblems(service: ComposeService, known: Set<string>): string[] {
  const problems: string[] = [];
  for (const [variable, value] of Object.entries(service.environment ?? {})) {
    if (!known.has(variable)) {
      problems.push(`sets ${variable}, which no section of lib/config/sections.ts reads`);
      continue;
    }
    const secret = secretProblem(variable, value ?? '');
    if (secret) problems.push(secret);
  }
  return problems;
}

function healthProblems(service: ComposeService): string[] {
  if (service.restart === undefined) {
    return ['needs a restart policy: "no" for a one-shot step, unless-stopped for a service'];
  }
  if (isOneShot(service)) return [];
  const opsPort = Number(service.environment?.OPS_PORT ?? Number.NaN);
  const port = probedPort(service);
  if (port === undefined) {
    return ['needs a healthcheck: ["CMD", "node", "-e", "fetch(\'http://127.0.0.1:<OPS_PORT>/readyz\')..."]'];
  }
  const problems: string[] = [];
  if (port !== opsPort) problems.push(`probes port ${port} but OPS_PORT is ${service.environment?.OPS_PORT}`);
  const targets = (service.ports ?? []).map((mapping) => mapping.target);
  if (targets.length > 0 && !targets.includes(opsPort)) {
    problems.push(`publishes ${targets.join(', ')} but its ops endpoints listen on OPS_PORT ${opsPort}`);
  }
  return problems;
}

function dependencyProblems(name: string, project: ComposeProject): string[] {
  const problems: string[] = [];
  for (const [target, dependency] of Object.entries(project.services[name]?.depends_on ?? {})) {
    const depended = project.services[target];
    if (!depended) continue; // compose-go already reported it
    const expected = depended.healthcheck?.test?.length
      ? 'service_healthy'
      : isOneShot(depended)
        ? 'service_completed_successfully'
        : undefined;
    if (expected === undefined) {
      problems.push(`depends on ${target}, which has no health check to wait for`);
    } else if (dependency.condition !== expected) {
      problems.push(`depends on ${target} with ${dependency.condition}; wait for ${expected}`);
    }
  }
  return problems;
}

function portProblems(name: string, service: ComposeService): string[] {
  const problems: string[] = [];
  for (const mapping of service.ports ?? []) {
    if (mapping.host_ip !== '127.0.0.1') {
      problems.push(
        `publishes ${mapping.target} on ${mapping.host_ip || 'every interface'}; bind it to 127.0.0.1`,
      );
    }
  }
  if ((scalableServices as readonly string[]).includes(name)) {
    if (service.container_name) problems.push('scales, so it must not set container_name');
    for (const mapping of service.ports ?? []) {
      if (mapping.published) {
        problems.push(
          `scales, so it must not publish a fixed host port (${mapping.published}); use "127.0.0.1::${mapping.target}"`,
        );
      }
    }
  }
  return problems;
}

/** This project's rules on a loaded Compose project (pure, for tests). */
export function composeFindings(report: ComposeReport, known = configVariables()): Finding[] {
  const findings: Finding[] = [
    ...report.errors.map((problem) => ({ where: 'compose', problem })),
    ...report.warnings.map((problem) => ({ where: 'compose', problem: `warning: ${problem}` })),
  ];
  const project = report.project;
  if (!project) return findings;
  for (const [name, service] of Object.entries(project.services)) {
    const problems = portProblems(name, service);
    // The rules below are for the pipeline's own services, built here; the infrastructure uses upstream images.
    if (service.build) {
      const entry = entryScriptProblem(service);
      problems.push(
        ...(entry ? [entry] : []),
        ...hardeningProblems(service),
        ...environmentProblems(service, known),
        ...healthProblems(service),
        ...dependencyProblems(name, project),
      );
    }
    findings.push(...problems.map((problem) => ({ where: `services.${name}`, problem })));
  }
  return findings;
}

export interface ComposeValidation {
  report: ComposeReport;
  findings: Finding[];
}

export async function validateCompose(file = composeFile): Promise<ComposeValidation> {
  const report = await runDeploycheck<ComposeReport>(['compose', '--file', file]);
  return { report, findings: composeFindings(report) };
}
