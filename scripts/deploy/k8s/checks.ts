/**
 * The two tool checks on rendered manifests: kubeconform (schemas, strict: an unknown field, a wrong type or a
 * kind without a schema fails) and kube-score (best practices: every check on, optional ones included, but for
 * the exceptions below, each with its reason; a single object opts out of a check with a `kube-score/ignore`
 * annotation, whose reason is a comment beside it in k8s/).
 */
import { runTool } from './run-tool.ts';
import type { DeployTools } from './tools.ts';

export interface CheckResult {
  ok: boolean;
  /** One line per problem, naming the object. */
  problems: string[];
}

/** kube-score checks off for the whole project, and why. */
export const ignoredScoreChecks: Record<string, string> = {
  'container-image-pull-policy':
    'tags are pinned per overlay (a digest in production); IfNotPresent keeps a restart independent of the registry',
  'container-resource-requests-equal-limits':
    'Burstable on purpose: requests size the steady state, limits cap snapshots and dbt builds',
  'container-cpu-requests-equal-limits': 'as container-resource-requests-equal-limits',
  'container-memory-requests-equal-limits': 'as container-resource-requests-equal-limits',
  'container-ephemeral-storage-request-equals-limit': 'as container-resource-requests-equal-limits',
};

/** The Kubernetes version kube-score assumes (its deprecation checks): the oldest we validate against. */
export const scoreKubernetesVersion = 'v1.31';

interface KubeconformResource {
  filename?: string;
  kind?: string;
  name?: string;
  version?: string;
  status?: string;
  msg?: string;
}

export async function validateSchemas(
  tools: DeployTools,
  yaml: string,
  kubernetesVersion: string,
): Promise<CheckResult> {
  const result = await runTool(
    tools.bin.kubeconform,
    [
      '-strict',
      '-output',
      'json',
      '-kubernetes-version',
      kubernetesVersion,
      ...tools.schemaLocations.flatMap((location) => ['-schema-location', location]),
      '-',
    ],
    yaml,
  );
  let resources: KubeconformResource[] = [];
  try {
    resources = (JSON.parse(result.stdout) as { resources?: KubeconformResource[] }).resources ?? [];
  } catch {
    return { ok: false, problems: [`kubeconform: ${result.stderr.trim() || result.stdout.trim()}`] };
  }
  const problems = resources
    .filter((resource) => resource.status !== 'statusValid')
    .map(
      (resource) =>
        `${resource.kind ?? '?'} ${resource.name ?? '?'} (${resource.version ?? '?'}): ${resource.msg ?? resource.status}`,
    );
  if (result.code !== 0 && problems.length === 0)
    problems.push(`kubeconform exited ${result.code}: ${result.stderr}`);
  return { ok: result.code === 0 && problems.length === 0, problems };
}

/** kube-score's checks (`kube-score list`: name, kind, description, default|optional). */
async function scoreChecks(tools: DeployTools): Promise<{ name: string; optional: boolean }[]> {
  const result = await runTool(tools.bin['kube-score'], ['list']);
  if (result.code !== 0) throw new Error(`kube-score list failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.includes(','))
    .map((line) => ({ name: line.split(',')[0] as string, optional: line.trim().endsWith(',optional') }));
}

export async function lint(tools: DeployTools, yaml: string): Promise<CheckResult> {
  // --all-default-optional cannot be combined with --ignore-test: the optional checks are enabled by name.
  const checks = await scoreChecks(tools);
  const ignored = new Set(Object.keys(ignoredScoreChecks));
  const result = await runTool(
    tools.bin['kube-score'],
    [
      'score',
      '--kubernetes-version',
      scoreKubernetesVersion,
      '--output-format',
      'ci',
      '--exit-one-on-warning',
      ...checks
        .filter((check) => check.optional && !ignored.has(check.name))
        .flatMap((check) => ['--enable-optional-test', check.name]),
      ...checks
        .filter((check) => !check.optional && ignored.has(check.name))
        .flatMap((check) => ['--ignore-test', check.name]),
      '-',
    ],
    yaml,
  );
  // `ci` prints one line per check and object: [OK], [SKIPPED], [WARNING] or [CRITICAL].
  const problems = result.stdout
    .split('\n')
    .filter((line) => /^\[(WARNING|CRITICAL)\]/.test(line))
    .map((line) => line.trim());
  if (result.code !== 0 && problems.length === 0)
    problems.push(`kube-score exited ${result.code}: ${result.stderr}`);
  return { ok: result.code === 0 && problems.length === 0, problems };
}
