/**
 * `npx tsx scripts/deploy/k8s/validate.ts [overlay ...]`: builds every overlay under k8s/overlays (or the ones
 * named) and checks its output offline: the Kubernetes schemas of each version in tools.ts, strict, with the
 * CRDs' schemas; kube-score; the project's policy (policy.ts). Installs its tools under .cache/deploy-tools/
 * on first use. Exit code 0 when every check passes, 1 otherwise, 2 on a bad argument.
 */
import path from 'node:path';
import { type CheckResult, lint, validateSchemas } from './checks.ts';
import { kustomizeBuild, overlayNames, overlaysRoot, parseManifests, ToolFailure } from './manifests.ts';
import { checkPolicy } from './policy.ts';
import { ensureDeployTools, kubernetesVersions } from './tools.ts';

function report(overlay: string, check: string, result: CheckResult): boolean {
  console.log(`${result.ok ? 'ok  ' : 'FAIL'} ${overlay}: ${check}`);
  for (const problem of result.problems) console.log(`       ${problem}`);
  return result.ok;
}

async function main(argv: readonly string[]): Promise<number> {
  const known = overlayNames();
  const unknown = argv.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown overlay ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const tools = await ensureDeployTools();
  let ok = true;
  for (const overlay of argv.length > 0 ? argv : known) {
    let yaml: string;
    try {
      yaml = await kustomizeBuild(tools, path.join(overlaysRoot, overlay));
    } catch (error) {
      if (!(error instanceof ToolFailure)) throw error;
      ok = report(overlay, 'kustomize build', { ok: false, problems: error.output.trim().split('\n') }) && ok;
      continue;
    }
    const objects = await parseManifests(tools, yaml);
    ok = report(overlay, `kustomize build (${objects.length} objects)`, { ok: true, problems: [] }) && ok;
    for (const version of kubernetesVersions) {
      ok =
        report(overlay, `schemas of Kubernetes ${version}`, await validateSchemas(tools, yaml, version)) &&
        ok;
    }
    ok = report(overlay, 'kube-score', await lint(tools, yaml)) && ok;
    const problems = checkPolicy(objects);
    ok = report(overlay, 'policy', { ok: problems.length === 0, problems }) && ok;
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
