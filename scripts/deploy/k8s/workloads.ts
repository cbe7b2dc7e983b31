/**
 * The rendered workloads as policy.ts reads them: the parts of a pod template it checks, and what a container
 * runs, traced back to the repository: its entry point's source file, the configuration sections that file
 * loads (so the variables it reads) and its default ops port.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type SectionName, sections } from '../../../lib/config/sections.ts';
import type { Manifest } from './manifests.ts';
import { repoRoot } from './tools.ts';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}

export interface HttpProbe {
  httpGet?: { path?: string; port?: number | string };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  terminationGracePeriodSeconds?: number;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface WorkloadSpec {
  replicas?: number;
  strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
  template?: PodTemplate;
  jobTemplate?: { spec: { template: PodTemplate } };
}

export interface Workload {
  object: Manifest;
  spec: WorkloadSpec;
  template: PodTemplate;
  /** False for Jobs and CronJobs, which run to completion and have no probes. */
  longRunning: boolean;
}

const podOwners = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

export function workloads(objects: readonly Manifest[]): Workload[] {
  return objects
    .filter((object) => podOwners.has(object.kind))
    .map((object) => {
      const spec = object.spec as WorkloadSpec;
      const template = spec.jobTemplate?.spec.template ?? (spec.template as PodTemplate);
      return { object, spec, template, longRunning: !['Job', 'CronJob'].includes(object.kind) };
    });
}

export function allContainers(workload: Workload): Container[] {
  return [...(workload.template.spec.initContainers ?? []), ...workload.template.spec.containers];
}

export function where(workload: Workload, container?: Container): string {
  const object = `${workload.object.kind} ${workload.object.metadata.name}`;
  return container ? `${object}, container ${container.name}` : object;
}

/** The source file a container runs: `node dist/x/main.js`, `node x/main.js` or `node --import tsx x/main.ts`. */
export function entrySource(container: Container): string | undefined {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  const script = argv.find((argument) => /\.(m?js|ts)$/.test(argument));
  return script
    ?.replace(/^(\.\/)?dist\//, '')
    .replace(/\.m?js$/, '.ts')
    .replace(/^\.\//, '');
}

export function readSource(file: string): string | undefined {
  const full = path.join(repoRoot, file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
}

/** The configuration sections an entry point loads (`configure('x', [...])`, `loadConfig([...])`), runtime included. */
export function sectionsOf(source: string): SectionName[] {
  const lists = [
    ...source.matchAll(/configure\(\s*'[^']*',\s*\[([^\]]*)\]/g),
    ...source.matchAll(/loadConfig\(\s*\[([^\]]*)\]/g),
  ];
  const names = lists.flatMap((match) => [...(match[1] ?? '').matchAll(/'(\w+)'/g)].map((name) => name[1]));
  return ['runtime', ...names].filter((name): name is SectionName => name !== undefined && name in sections);
}

export function variablesOf(names: readonly SectionName[]): Set<string> {
  // Each section is an object schema (refined, then transformed): its keys are the variable names.
  return new Set(names.flatMap((name) => Object.keys(sections[name].in.shape)));
}

export const allVariables = variablesOf(Object.keys(sections) as SectionName[]);

export function defaultOpsPort(source: string): number | undefined {
  const match = /const defaultOpsPort = (\d+);/.exec(source);
  return match ? Number(match[1]) : undefined;
}
