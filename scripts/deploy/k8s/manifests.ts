/**
 * The overlays under k8s/overlays, built with kustomize (its default load restrictor: every file an overlay
 * reads is inside k8s/), and their output as objects (through yq: the project has no YAML parser).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runTool } from './run-tool.ts';
import { type DeployTools, repoRoot } from './tools.ts';

export const k8sRoot = path.join(repoRoot, 'k8s');
export const overlaysRoot = path.join(k8sRoot, 'overlays');

/** A Kubernetes object as rendered; policy.ts narrows the parts it reads. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function overlayNames(): string[] {
  return fs
    .readdirSync(overlaysRoot)
    .filter((name) => fs.existsSync(path.join(overlaysRoot, name, 'kustomization.yaml')))
    .sort();
}

export class ToolFailure extends Error {
  constructor(
    readonly tool: string,
    readonly output: string,
  ) {
    super(`${tool} failed:\n${output.trim()}`);
    this.name = 'ToolFailure';
  }
}

/** `kustomize build <dir>`: the rendered YAML, or a ToolFailure with kustomize's message. */
export async function kustomizeBuild(tools: DeployTools, dir: string): Promise<string> {
  const result = await runTool(tools.bin.kustomize, [
    'build',
    '--load-restrictor',
    'LoadRestrictionsRootOnly',
    dir,
  ]);
  if (result.code !== 0)
    throw new ToolFailure(`kustomize build ${path.relative(repoRoot, dir)}`, result.stderr);
  return result.stdout;
}

export async function parseManifests(tools: DeployTools, yaml: string): Promise<Manifest[]> {
  const result = await runTool(tools.bin.yq, ['eval-all', '-o=json', '-I=0', '[.]', '-'], yaml);
  if (result.code !== 0) throw new ToolFailure('yq', result.stderr);
  return (JSON.parse(result.stdout) as (Manifest | null)[]).filter(
    (document): document is Manifest => document !== null,
  );
}
