/**
 * k8s/ offline: every overlay builds with kustomize, validates against the Kubernetes schemas of the oldest
 * and newest supported versions (strict: no unknown field) and the CRDs' schemas, lints clean with kube-score
 * and follows the project's rules (scripts/deploy/k8s/policy.ts); and each of those checks fails on a
 * manifest broken on purpose, so that a pass means something. The tools install on first use under
 * .cache/deploy-tools/ (a few minutes the first time, while Go compiles them).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, validateSchemas } from '../../scripts/deploy/k8s/checks.ts';
import {
  k8sRoot,
  kustomizeBuild,
  type Manifest,
  overlayNames,
  overlaysRoot,
  parseManifests,
} from '../../scripts/deploy/k8s/manifests.ts';
import {
  checkPorts,
  checkProbes,
  checkReplicas,
  checkResources,
  checkSecretReferences,
  checkSecurityContexts,
  checkVariableNames,
  policyChecks,
  secretName,
} from '../../scripts/deploy/k8s/policy.ts';
import {
  type DeployTools,
  ensureDeployTools,
  kubernetesVersions,
  repoRoot,
} from '../../scripts/deploy/k8s/tools.ts';
import { type Container, entrySource, type Workload, workloads } from '../../scripts/deploy/k8s/workloads.ts';

const overlays = overlayNames();
const reader = 'services/replication-reader/main.ts';
const sink = 'services/raw-sink/main.ts';
const marts = 'services/marts-builder/main.ts';

let tools: DeployTools;
const rendered = new Map<string, { yaml: string; objects: Manifest[] }>();
const scratch = mkdtempSync(path.join(tmpdir(), 'cdc-k8s-test-'));

beforeAll(async () => {
  tools = await ensureDeployTools();
  for (const overlay of overlays) {
    const yaml = await kustomizeBuild(tools, path.join(overlaysRoot, overlay));
    rendered.set(overlay, { yaml, objects: await parseManifests(tools, yaml) });
  }
}, 30 * 60_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function output(overlay: string): { yaml: string; objects: Manifest[] } {
  const result = rendered.get(overlay);
  if (!result) throw new Error(`overlay ${overlay} was not built`);
  return result;
}

/** A deep copy of an overlay's objects, to break. */
function copyOf(overlay: string): Manifest[] {
  return structuredClone(output(overlay).objects);
}

/** JSON is YAML: the objects back into a stream kubeconform and kube-score read. */
function toYaml(objects: readonly Manifest[]): string {
  return objects.map((object) => JSON.stringify(object)).join('\n---\n');
}

function workloadRunning(objects: readonly Manifest[], entry: string): Workload {
  const found = workloads(objects).find((workload) =>
    workload.template.spec.containers.some((container) => entrySource(container) === entry),
  );
  if (!found) throw new Error(`no workload runs ${entry}`);
  return found;
}

function mainContainer(workload: Workload): Container {
  return workload.template.spec.containers[0] as Container;
}

function named(objects: readonly Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

it('finds the overlays', () => {
  expect(overlays).toEqual(expect.arrayContaining(['small', 'production']));
});

describe.each(overlays)('overlay %s', (overlay) => {
  it.each(kubernetesVersions)('validates against the Kubernetes %s schemas, strict', async (version) => {
    const result = await validateSchemas(tools, output(overlay).yaml, version);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('lints clean with kube-score', async () => {
    const result = await lint(tools, output(overlay).yaml);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it.each(Object.entries(policyChecks))('follows the rule: %s', (_rule, check) => {
    expect(check(output(overlay).objects)).toEqual([]);
  });

  it('runs the four services and the migrations, namespace-agnostic', () => {
    const { objects } = output(overlay);
    const entries = workloads(objects).map((workload) => entrySource(mainContainer(workload)));
    expect(entries.sort()).toEqual(
      [reader, sink, marts, 'services/ops/server/main.ts', 'scripts/db/main.ts'].sort(),
    );
    expect(objects.filter((object) => (object.metadata as { namespace?: string }).namespace)).toEqual([]);
    expect(named(objects, 'Service', 'cdc-ops').spec).toMatchObject({ ports: [{ port: 9100 }] });
  });

  it('keeps the reader a singleton with at least 60 s to confirm its position', () => {
    const workload = workloadRunning(output(overlay).objects, reader);
    expect(workload.spec.replicas).toBe(1);
    expect(workload.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('runs the pinned images', () => {
    const images = workloads(output(overlay).objects)
      .map((workload) => mainContainer(workload))
      .map((container) => (container as Container & { image: string }).image);
    // A release tag or a digest, never latest or none.
    for (const image of images) {
      expect(image).toMatch(/(^|\/)cdc-pipeline(-marts)?(:\d+\.\d+\.\d+|@sha256:[0-9a-f]{64})$/);
    }
  });
});

describe('the overlays differ where they should', () => {
  it('runs one sink in small and three in production, the partition count', () => {
    expect(workloadRunning(output('small').objects, sink).spec.replicas).toBe(1);
    expect(workloadRunning(output('production').objects, sink).spec.replicas).toBe(3);
  });

  it('leaves the sink count to the autoscaler in production-hpa and production-keda', () => {
    for (const overlay of ['production-hpa', 'production-keda']) {
      expect(workloadRunning(output(overlay).objects, sink).spec.replicas).toBeUndefined();
    }
    expect(named(output('production-hpa').objects, 'HorizontalPodAutoscaler', 'cdc-sink').spec).toMatchObject(
      {
        maxReplicas: 3,
        metrics: [{ type: 'External', external: { metric: { name: 'cdc_ops_consumer_lag_seconds' } } }],
      },
    );
    expect(named(output('production-keda').objects, 'ScaledObject', 'cdc-sink').spec).toMatchObject({
      maxReplicaCount: 3,
      triggers: [{ type: 'prometheus' }],
    });
  });

  it('brings the PodMonitor and PrometheusRule only where the Prometheus Operator is expected', () => {
    const kinds = (overlay: string) => output(overlay).objects.map((object) => object.kind);
    expect(kinds('small')).not.toContain('PodMonitor');
    expect(kinds('production')).toEqual(expect.arrayContaining(['PodMonitor', 'PrometheusRule']));
    expect(named(output('production').objects, 'PodMonitor', 'cdc-pipeline').spec).toMatchObject({
      jobLabel: 'app.kubernetes.io/name',
    });
  });
});

describe('k8s/base', () => {
  const base = path.join(k8sRoot, 'base');
  const patches = new Set(['kustomization.yaml', 'commands.yaml']);

  it('holds one object per file', async () => {
    const files = readdirSync(base).filter((file) => file.endsWith('.yaml') && !patches.has(file));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const objects = await parseManifests(tools, readFileSync(path.join(base, file), 'utf8'));
      expect(objects, file).toHaveLength(1);
    }
  });

  it('documents every key of the Secret it references, and no other', () => {
    const keys = new Set<string>();
    for (const workload of workloads(output('production').objects)) {
      for (const variable of mainContainer(workload).env ?? []) {
        const reference = variable.valueFrom?.secretKeyRef;
        if (reference?.name === secretName) keys.add(reference.key);
      }
    }
    const guide = readFileSync(path.join(repoRoot, 'docs/deploy/kubernetes.md'), 'utf8');
    const section = guide.slice(
      guide.indexOf('## The Secret'),
      guide.indexOf('\n## ', guide.indexOf('## The Secret') + 1),
    );
    const documented = new Set([...section.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1]));
    expect([...documented].sort()).toEqual([...keys].sort());
  });
});

describe('each check fails on a broken manifest', () => {
  it('kustomize: a patch for an object that does not exist, a file from outside the overlay', async () => {
    // A copy of k8s/, so the broken overlays sit where real ones do.
    const copy = path.join(scratch, 'k8s');
    cpSync(k8sRoot, copy, { recursive: true });
    const overlay = (name: string, lines: string[]) => {
      mkdirSync(path.join(copy, 'overlays', name));
      writeFileSync(
        path.join(copy, 'overlays', name, 'kustomization.yaml'),
        ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', ...lines].join('\n'),
      );
      return path.join(copy, 'overlays', name);
    };
    const missingTarget = overlay('missing-target', [
      'resources:',
      '  - ../../base',
      'patches:',
      '  - patch: |-',
      '      apiVersion: apps/v1',
      '      kind: Deployment',
      '      metadata:',
      '        name: cdc-nowhere',
      '      spec:',
      '        replicas: 2',
    ]);
    await expect(kustomizeBuild(tools, missingTarget)).rejects.toThrow(/cdc-nowhere/);
    const outside = overlay('outside', [
      'configMapGenerator:',
      '  - name: rules',
      '    files:',
      '      - ../../base/config.env',
    ]);
    await expect(kustomizeBuild(tools, outside)).rejects.toThrow(/security|not in or below/);
  });

  it('kubeconform: an unknown field, a wrong type, a bad custom resource, a kind without a schema', async () => {
    const objects = copyOf('production-keda');
    (mainContainer(workloadRunning(objects, reader)) as unknown as Record<string, unknown>).restartPolicyy =
      'Always';
    (workloadRunning(objects, marts).spec as Record<string, unknown>).replicas = 'one';
    (named(objects, 'PodMonitor', 'cdc-pipeline').spec as Record<string, unknown>).jobLabels = 'typo';
    (named(objects, 'ScaledObject', 'cdc-sink').spec as Record<string, unknown>).maxReplicas = 3;
    objects.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'unknown' } });
    for (const version of kubernetesVersions) {
      const result = await validateSchemas(tools, toYaml(objects), version);
      expect(result.ok).toBe(false);
      const problems = result.problems.join('\n');
      expect(problems).toMatch(/Deployment cdc-reader.*restartPolicyy/);
      expect(problems).toMatch(/Deployment cdc-marts.*replicas/);
      expect(problems).toMatch(/PodMonitor cdc-pipeline.*jobLabels/);
      expect(problems).toMatch(/ScaledObject cdc-sink.*maxReplicas/);
      expect(problems).toMatch(/Widget unknown.*could not find schema/);
      expect(result.problems).toHaveLength(5);
    }
  });

  it('kube-score: a container without limits, a Service selecting nothing', async () => {
    const objects = copyOf('small');
    const container = mainContainer(workloadRunning(objects, sink));
    delete container.resources;
    (named(objects, 'Service', 'cdc-marts').spec as { selector: Record<string, string> }).selector = {
      'app.kubernetes.io/name': 'cdc-nothing',
    };
    const result = await lint(tools, toYaml(objects));
    expect(result.ok).toBe(false);
    const problems = result.problems.join('\n');
    expect(problems).toMatch(/cdc-sink .*(CPU|Memory) limit is not set/);
    expect(problems).toMatch(/cdc-marts .*Service/);
  });

  it('policy: every rule', () => {
    const objects = copyOf('production');
    const readerWorkload = workloadRunning(objects, reader);
    const readerContainer = mainContainer(readerWorkload);
    const sinkWorkload = workloadRunning(objects, sink);
    const sinkContainer = mainContainer(sinkWorkload);
    const martsContainer = mainContainer(workloadRunning(objects, marts));

    delete readerContainer.securityContext?.readOnlyRootFilesystem;
    expect(checkSecurityContexts(objects)).toEqual([
      'Deployment cdc-reader, container reader: readOnlyRootFilesystem is not true',
    ]);

    delete sinkContainer.readinessProbe;
    expect(checkProbes(objects)).toEqual([
      'Deployment cdc-sink, container sink: no readiness probe on /readyz',
    ]);

    delete martsContainer.resources?.limits;
    expect(checkResources(objects)).toEqual([
      'Deployment cdc-marts, container marts: no cpu limits',
      'Deployment cdc-marts, container marts: no memory limits',
    ]);

    readerContainer.env = [
      ...(readerContainer.env ?? []).filter((variable) => variable.name !== 'DATABASE_URL_CORE'),
      { name: 'DATABASE_URL_CORE', value: 'postgres://reader:hunter2@core/core' },
    ];
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leaked' } });
    expect(checkSecretReferences(objects)).toEqual([
      'Secret leaked: credentials in the manifests',
      'Deployment cdc-reader, container reader: DATABASE_URL_CORE is not taken from a Secret',
    ]);

    sinkContainer.env = [
      ...(sinkContainer.env ?? []),
      { name: 'KAFKA_BROKER', value: 'typo:9092' },
      { name: 'MARTS_TICK_SECONDS', value: '60' },
    ];
    expect(checkVariableNames(objects)).toEqual([
      'Deployment cdc-sink, container sink: KAFKA_BROKER is not a setting of lib/config/sections.ts',
      `Deployment cdc-sink, container sink: MARTS_TICK_SECONDS is not read by ${sink}`,
    ]);

    (sinkContainer.ports ?? [])[0] = { name: 'http', containerPort: 9999 };
    expect(checkPorts(objects)).toEqual([
      'Deployment cdc-sink, container sink: ports [{"name":"http","containerPort":9999}], expected one named http on 9102',
    ]);

    readerWorkload.spec.replicas = 2;
    readerWorkload.template.spec.terminationGracePeriodSeconds = 30;
    readerWorkload.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } };
    sinkWorkload.spec.replicas = 4;
    expect(checkReplicas(objects)).toEqual([
      'Deployment cdc-reader: replicas 2, expected 1',
      'Deployment cdc-reader: terminationGracePeriodSeconds 30, expected 60 or more',
      'Deployment cdc-reader: maxUnavailable 0 never finishes (the successor waits for the lease)',
      'Deployment cdc-sink: replicas 4, expected 1 to 3 (KAFKA_TOPIC_PARTITIONS)',
    ]);
  });
});
