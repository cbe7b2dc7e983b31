/**
 * The three ways to run the pipeline agree: docker-compose, the Kubernetes production overlay and the native
 * stack give each service the same variable names (so a setting documented once works everywhere) and the same
 * ops port (what probes, Prometheus and the ops service use). Values differ by design (hosts, credentials).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  kustomizeBuild,
  type Manifest,
  overlaysRoot,
  parseManifests,
} from '../../scripts/deploy/k8s/manifests.ts';
import { ensureDeployTools } from '../../scripts/deploy/k8s/tools.ts';
import { type ComposeService, validateCompose } from '../../scripts/deploy/validate-compose.ts';
import { repoRoot } from '../../scripts/stack/topology.ts';

/** The pipeline's long-running services: compose service name, Kubernetes Deployment name, entry point. */
const services = [
  { compose: 'reader', deployment: 'cdc-reader', entry: 'services/replication-reader/main.ts' },
  { compose: 'sink', deployment: 'cdc-sink', entry: 'services/raw-sink/main.ts' },
  { compose: 'marts', deployment: 'cdc-marts', entry: 'services/marts-builder/main.ts' },
  { compose: 'ops', deployment: 'cdc-ops', entry: 'services/ops/server/main.ts' },
] as const;

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { containerPort: number; name?: string }[];
}

/** What a service's main.ts listens on natively when OPS_PORT is unset. */
function nativeOpsPort(entry: string): number {
  const match = /const defaultOpsPort = (\d+);/.exec(readFileSync(path.join(repoRoot, entry), 'utf8'));
  if (!match) throw new Error(`${entry} declares no defaultOpsPort`);
  return Number(match[1]);
}

/**
 * Where the two may differ, and why. Anything else set in one and not the other is a drift this test reports.
 * - OPS_HOST, OPS_PORT: compose sets them; Kubernetes takes the code's defaults (the port is compared below).
 * - ALERTS_ENVIRONMENT, SLACK_CHANNEL, MARTS_TICK_SECONDS: compose passes them through from the developer's
 *   environment (empty or the code's default otherwise); Kubernetes relies on the defaults.
 * - KAFKA_SASL_*, SCHEMA_REGISTRY_USERNAME/PASSWORD: the local Kafka and registry run without authentication;
 *   a cluster's do not, so Kubernetes references them (optional keys of the Secret).
 */
const composeOnly = new Set([
  'OPS_HOST',
  'OPS_PORT',
  'ALERTS_ENVIRONMENT',
  'SLACK_CHANNEL',
  'MARTS_TICK_SECONDS',
]);
const kubernetesOnly = new Set([
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_USERNAME',
  'SCHEMA_REGISTRY_PASSWORD',
]);

let compose: Record<string, ComposeService>;
let manifests: Manifest[];

function container(deployment: string): { container: Container; names: Set<string> } {
  const found = manifests.find(
    (manifest) => manifest.kind === 'Deployment' && manifest.metadata.name === deployment,
  );
  const spec = (found as { spec?: { template?: { spec?: { containers?: Container[] } } } } | undefined)?.spec
    ?.template?.spec?.containers?.[0];
  if (!spec) throw new Error(`no Deployment ${deployment} in the production overlay`);
  const names = new Set((spec.env ?? []).map((variable) => variable.name));
  for (const source of spec.envFrom ?? []) {
    const configMap = manifests.find(
      (manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name === source.configMapRef?.name,
    ) as { data?: Record<string, string> } | undefined;
    for (const key of Object.keys(configMap?.data ?? {})) names.add(key);
  }
  return { container: spec, names };
}

describe('compose, Kubernetes and the native stack agree', () => {
  beforeAll(async () => {
    const { report } = await validateCompose();
    if (!report.project) throw new Error(`docker-compose.yml does not load: ${report.errors.join('; ')}`);
    compose = report.project.services;
    const tools = await ensureDeployTools();
    manifests = await parseManifests(
      tools,
      await kustomizeBuild(tools, path.join(overlaysRoot, 'production')),
    );
  }, 600_000);

  it.each(services)('$compose: every variable compose sets is provided in Kubernetes too', (service) => {
    const { names } = container(service.deployment);
    const composeNames = Object.keys(compose[service.compose]?.environment ?? {});
    expect(composeNames.length).toBeGreaterThan(0);
    const missing = composeNames.filter((name) => !names.has(name) && !composeOnly.has(name));
    expect(
      missing,
      `${service.compose}: set in compose, absent from the ${service.deployment} container`,
    ).toEqual([]);
  });

  it.each(services)('$compose: every secret Kubernetes references is set in compose too', (service) => {
    const { container: spec } = container(service.deployment);
    const secretNames = (spec.env ?? [])
      .filter((variable) => (variable as { valueFrom?: { secretKeyRef?: unknown } }).valueFrom?.secretKeyRef)
      .map((variable) => variable.name);
    const composeNames = new Set(Object.keys(compose[service.compose]?.environment ?? {}));
    expect(secretNames.length).toBeGreaterThan(0);
    const missing = secretNames.filter((name) => !composeNames.has(name) && !kubernetesOnly.has(name));
    expect(missing, `${service.compose}: a secret Kubernetes gives that compose does not`).toEqual([]);
  });

  it.each(services)('$compose: the same ops port natively, in compose and in Kubernetes', (service) => {
    const native = nativeOpsPort(service.entry);
    const composePort = Number(compose[service.compose]?.environment?.OPS_PORT ?? native);
    const ports = container(service.deployment).container.ports ?? [];
    expect(composePort).toBe(native);
    expect(ports.map((port) => port.containerPort)).toContain(native);
    const healthcheck = (compose[service.compose]?.healthcheck?.test ?? []).join(' ');
    expect(healthcheck).toContain(`:${native}/`);
  });
});
