/**
 * The project's own rules for rendered manifests, beyond what the schemas and kube-score know: what
 * ARCHITECTURE.md ("Operating it") asks of the deployment, checked on what an overlay really produces. Each
 * check returns its problems, naming the object and container; none means the rule holds. Pure but for
 * reading the services' sources (their settings and default ports), so tests feed it broken objects too.
 */
import { secretVariables } from '../../../lib/config/sections.ts';
import type { Manifest } from './manifests.ts';
import {
  allContainers,
  allVariables,
  type Container,
  defaultOpsPort,
  entrySource,
  type HttpProbe,
  type PodTemplate,
  readSource,
  sectionsOf,
  variablesOf,
  type Workload,
  where,
  workloads,
} from './workloads.ts';

/** The Secret the platform creates (docs/deploy/kubernetes.md lists its keys); the repository holds none. */
export const secretName = 'cdc-pipeline-secrets';

export function checkSecurityContexts(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects)) {
    const pod = workload.template.spec;
    if (pod.automountServiceAccountToken !== false) {
      problems.push(`${where(workload)}: automountServiceAccountToken is not false`);
    }
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) {
      problems.push(`${where(workload)}: shares a host namespace`);
    }
    for (const container of allContainers(workload)) {
      const own = container.securityContext ?? {};
      const podLevel = pod.securityContext ?? {};
      const at = where(workload, container);
      if ((own.runAsNonRoot ?? podLevel.runAsNonRoot) !== true)
        problems.push(`${at}: runAsNonRoot is not true`);
      const user = own.runAsUser ?? podLevel.runAsUser;
      if (user === undefined || user < 10000) problems.push(`${at}: runAsUser is not set above 10000`);
      if (own.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
      if (own.allowPrivilegeEscalation !== false)
        problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (own.privileged === true) problems.push(`${at}: privileged`);
      if (!own.capabilities?.drop?.includes('ALL')) problems.push(`${at}: capabilities do not drop ALL`);
      if ((own.capabilities?.add ?? []).length > 0) problems.push(`${at}: adds capabilities`);
      const seccomp = own.seccompProfile?.type ?? podLevel.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
        problems.push(`${at}: seccompProfile is not RuntimeDefault`);
      }
    }
  }
  return problems;
}

function portMatches(probe: HttpProbe | undefined, container: Container): boolean {
  const port = probe?.httpGet?.port;
  return (container.ports ?? []).some(
    (candidate) => candidate.name === port || candidate.containerPort === port,
  );
}

export function checkProbes(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects).filter((candidate) => candidate.longRunning)) {
    for (const container of workload.template.spec.containers) {
      const at = where(workload, container);
      if (container.readinessProbe?.httpGet?.path !== '/readyz')
        problems.push(`${at}: no readiness probe on /readyz`);
      if (container.livenessProbe?.httpGet?.path !== '/healthz')
        problems.push(`${at}: no liveness probe on /healthz`);
      for (const [kind, probe] of [
        ['readiness', container.readinessProbe],
        ['liveness', container.livenessProbe],
      ] as const) {
        if (probe && !portMatches(probe, container))
          problems.push(`${at}: ${kind} probe is not on a container port`);
      }
    }
  }
  return problems;
}

export function checkResources(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects)) {
    for (const container of allContainers(workload)) {
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (!container.resources?.[kind]?.[resource]) {
            problems.push(`${where(workload, container)}: no ${resource} ${kind}`);
          }
        }
      }
    }
  }
  return problems;
}

/** Secrets by reference only: no Secret object, no secret variable with a value or in a ConfigMap. */
export function checkSecretReferences(objects: readonly Manifest[]): string[] {
  const secretNames = new Set<string>(secretVariables);
  const problems: string[] = [];
  for (const object of objects) {
    if (object.kind === 'Secret')
      problems.push(`Secret ${object.metadata.name}: credentials in the manifests`);
    if (object.kind === 'ConfigMap') {
      const keys = Object.keys((object.data as Record<string, string> | undefined) ?? {});
      for (const key of keys.filter((candidate) => secretNames.has(candidate))) {
        problems.push(`ConfigMap ${object.metadata.name}: holds the secret ${key}`);
      }
    }
  }
  for (const workload of workloads(objects)) {
    for (const container of allContainers(workload)) {
      for (const variable of container.env ?? []) {
        const reference = variable.valueFrom?.secretKeyRef;
        const at = where(workload, container);
        if (secretNames.has(variable.name) && !reference) {
          problems.push(`${at}: ${variable.name} is not taken from a Secret`);
        }
        if (reference && reference.name !== secretName) {
          problems.push(`${at}: ${variable.name} comes from Secret ${reference.name}, not ${secretName}`);
        }
      }
    }
  }
  return problems;
}

function configMapKeys(objects: readonly Manifest[], name: string): string[] {
  const map = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === name);
  return Object.keys((map?.data as Record<string, string> | undefined) ?? {});
}

/**
 * Every variable a container gets is a setting of lib/config/sections.ts, and every one set on a container
 * itself (a secret, mostly) is read by the sections its entry point loads: a typo or a leftover is an error.
 */
export function checkVariableNames(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects)) {
    for (const container of allContainers(workload)) {
      const at = where(workload, container);
      const fromConfigMaps = (container.envFrom ?? []).flatMap((source) =>
        source.configMapRef ? configMapKeys(objects, source.configMapRef.name) : [],
      );
      for (const name of fromConfigMaps.filter((key) => !allVariables.has(key))) {
        problems.push(`${at}: ${name} (from a ConfigMap) is not a setting of lib/config/sections.ts`);
      }
      const entry = entrySource(container);
      const source = entry ? readSource(entry) : undefined;
      if (!source) {
        problems.push(
          `${at}: runs ${entry ?? 'no entry point'}, which is not a source file of the repository`,
        );
        continue;
      }
      const read = variablesOf(sectionsOf(source));
      for (const variable of container.env ?? []) {
        if (!allVariables.has(variable.name)) {
          problems.push(`${at}: ${variable.name} is not a setting of lib/config/sections.ts`);
        } else if (!read.has(variable.name)) {
          problems.push(`${at}: ${variable.name} is not read by ${entry}`);
        }
      }
    }
  }
  return problems;
}

function selects(service: Manifest, template: PodTemplate): boolean {
  const selector = (service.spec as { selector?: Record<string, string> }).selector ?? {};
  const labels = template.metadata?.labels ?? {};
  return (
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([key, value]) => labels[key] === value)
  );
}

/** Each service listens on its default ops port (its main.ts), and the port, Services and annotation agree. */
export function checkPorts(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const services = objects.filter((object) => object.kind === 'Service');
  for (const workload of workloads(objects).filter((candidate) => candidate.longRunning)) {
    for (const container of workload.template.spec.containers) {
      const at = where(workload, container);
      const entry = entrySource(container);
      const expected = entry ? defaultOpsPort(readSource(entry) ?? '') : undefined;
      if (expected === undefined) {
        problems.push(`${at}: ${entry ?? 'its entry point'} declares no defaultOpsPort`);
        continue;
      }
      const ports = container.ports ?? [];
      if (ports.length !== 1 || ports[0]?.containerPort !== expected || ports[0]?.name !== 'http') {
        problems.push(`${at}: ports ${JSON.stringify(ports)}, expected one named http on ${expected}`);
      }
      const annotated = workload.template.metadata?.annotations?.['prometheus.io/port'];
      if (annotated !== undefined && annotated !== String(expected)) {
        problems.push(`${at}: prometheus.io/port ${annotated}, expected ${expected}`);
      }
      for (const service of services.filter((candidate) => selects(candidate, workload.template))) {
        for (const port of (service.spec as { ports?: { port: number; targetPort?: number | string }[] })
          .ports ?? []) {
          if (port.port !== expected || (port.targetPort !== 'http' && port.targetPort !== expected)) {
            problems.push(
              `Service ${service.metadata.name}: port ${port.port} → ${port.targetPort}, expected ${expected}`,
            );
          }
        }
      }
    }
  }
  return problems;
}

function runsEntry(workload: Workload, entry: string): boolean {
  return workload.template.spec.containers.some((container) => entrySource(container) === entry);
}

function partitions(objects: readonly Manifest[]): number {
  const values = objects
    .filter((object) => object.kind === 'ConfigMap')
    .map((object) => (object.data as Record<string, string> | undefined)?.KAFKA_TOPIC_PARTITIONS)
    .filter((value): value is string => value !== undefined);
  return values.length > 0 ? Math.min(...values.map(Number)) : 3;
}

/**
 * The reader is a singleton with a long grace and a rollout that can finish; the marts builder runs once; the
 * sinks (and their autoscalers) stop at the partition count.
 */
export function checkReplicas(objects: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const all = workloads(objects);
  const readers = all.filter((workload) => runsEntry(workload, 'services/replication-reader/main.ts'));
  if (readers.length !== 1) problems.push(`${readers.length} reader workloads, expected 1`);
  for (const reader of readers) {
    if (reader.spec.replicas !== 1)
      problems.push(`${where(reader)}: replicas ${reader.spec.replicas}, expected 1`);
    const grace = reader.template.spec.terminationGracePeriodSeconds ?? 30;
    if (grace < 60)
      problems.push(`${where(reader)}: terminationGracePeriodSeconds ${grace}, expected 60 or more`);
    const unavailable = reader.spec.strategy?.rollingUpdate?.maxUnavailable;
    if (reader.spec.strategy?.type !== 'Recreate' && (unavailable === 0 || unavailable === '0%')) {
      problems.push(`${where(reader)}: maxUnavailable 0 never finishes (the successor waits for the lease)`);
    }
  }
  for (const marts of all.filter((workload) => runsEntry(workload, 'services/marts-builder/main.ts'))) {
    if (marts.spec.replicas !== 1)
      problems.push(`${where(marts)}: replicas ${marts.spec.replicas}, expected 1`);
    if (marts.spec.strategy?.type !== 'Recreate') problems.push(`${where(marts)}: strategy is not Recreate`);
  }
  const limit = partitions(objects);
  const sinks = all.filter((workload) => runsEntry(workload, 'services/raw-sink/main.ts'));
  for (const sink of sinks) {
    const replicas = sink.spec.replicas;
    if (replicas !== undefined && (replicas < 1 || replicas > limit)) {
      problems.push(`${where(sink)}: replicas ${replicas}, expected 1 to ${limit} (KAFKA_TOPIC_PARTITIONS)`);
    }
  }
  const sinkNames = new Set(sinks.map((sink) => sink.object.metadata.name));
  for (const object of objects) {
    const spec = object.spec as
      | { scaleTargetRef?: { name: string }; maxReplicas?: number; maxReplicaCount?: number }
      | undefined;
    const maximum = spec?.maxReplicas ?? spec?.maxReplicaCount;
    if (spec?.scaleTargetRef && sinkNames.has(spec.scaleTargetRef.name) && (maximum ?? 0) > limit) {
      problems.push(`${object.kind} ${object.metadata.name}: scales to ${maximum}, past ${limit} partitions`);
    }
  }
  return problems;
}

export const policyChecks = {
  'restricted security contexts': checkSecurityContexts,
  'readiness and liveness probes': checkProbes,
  'resource requests and limits': checkResources,
  'secrets by reference only': checkSecretReferences,
  'variable names of lib/config/sections.ts': checkVariableNames,
  "the services' default ports": checkPorts,
  'singletons and sink counts': checkReplicas,
} as const;

export function checkPolicy(objects: readonly Manifest[]): string[] {
  return Object.entries(policyChecks).flatMap(([rule, check]) =>
    check(objects).map((problem) => `${rule}: ${problem}`),
  );
}
