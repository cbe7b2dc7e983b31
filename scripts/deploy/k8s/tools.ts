/**
 * The tools that check k8s/ offline, pinned and installed on first use under .cache/deploy-tools/ from the
 * package registries (nothing is downloaded at validation time):
 *
 * - kustomize, kubeconform, kube-score and yq: `go install module@version` (the Go module proxy);
 * - the Kubernetes JSON schemas: the PyPI package kubernetes-validate, which ships them for every minor
 *   version (`pip install --target`), rewritten so that their references resolve to local files;
 * - the CRD schemas (PodMonitor, PrometheusRule, KEDA's ScaledObject): the CRD manifests inside the Go
 *   modules of the Prometheus Operator and KEDA (`go mod download`), converted to strict JSON schemas.
 *
 * Idempotent: an installed binary is kept when `go version -m` reports the pinned version, and each schema
 * folder carries a stamp naming what it was made from.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { crdSchemaFiles, kubernetesSchemaFolder } from './schemas.ts';

const execFileAsync = promisify(execFile);

/** execFile, with a clear message when the command itself is missing (go and python3 must be on PATH). */
async function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; maxBuffer?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, args, { maxBuffer: 16 * 1024 * 1024, ...options });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${command} is not on PATH: the deploy tools install with go and python3`, {
        cause: error,
      });
    }
    throw error;
  }
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const toolsHome = path.join(repoRoot, '.cache', 'deploy-tools');

/** Go binaries. Not newer: kustomize 5.8.3 needs Go 1.27; yq 4.54, a module the proxy lacks. */
export const goTools = {
  kustomize: { module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.8.2', pkg: '' },
  kubeconform: { module: 'github.com/yannh/kubeconform', version: 'v0.8.0', pkg: '/cmd/kubeconform' },
  'kube-score': { module: 'github.com/zegl/kube-score', version: 'v1.20.0', pkg: '/cmd/kube-score' },
  yq: { module: 'github.com/mikefarah/yq/v4', version: 'v4.53.6', pkg: '' },
} as const;

export type GoTool = keyof typeof goTools;

/** The schemas' source on PyPI, and the Kubernetes versions validated: the oldest supported and the newest. */
export const kubernetesSchemas = { pypi: 'kubernetes-validate', version: '1.37.0' } as const;
export const kubernetesVersions = ['1.31.0', '1.37.0'] as const;

/** CRD manifests inside Go modules, for the custom resources the components use. */
export const crdSources = [
  {
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    files: [
      'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml',
      'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml',
      'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml',
    ],
  },
  {
    module: 'github.com/kedacore/keda/v2',
    version: 'v2.21.0',
    files: ['config/crd/bases/keda.sh_scaledobjects.yaml'],
  },
] as const;

export interface DeployTools {
  bin: Record<GoTool, string>;
  /** kubeconform -schema-location templates: the Kubernetes schemas, then the CRDs'. */
  schemaLocations: string[];
}

const layout = {
  bin: path.join(toolsHome, 'bin'),
  python: path.join(toolsHome, 'python'),
  schemas: path.join(toolsHome, 'schemas'),
  lock: path.join(toolsHome, 'install.lock'),
};

function progress(message: string): void {
  process.stderr.write(`[deploy-tools] ${message}\n`);
}

async function installedVersion(binary: string): Promise<string | undefined> {
  if (!fs.existsSync(binary)) return undefined;
  try {
    const { stdout } = await run('go', ['version', '-m', binary]);
    return /^\s*mod\s+\S+\s+(\S+)/m.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

async function ensureGoTool(name: GoTool): Promise<string> {
  const tool = goTools[name];
  const binary = path.join(layout.bin, name);
  if ((await installedVersion(binary)) === tool.version) return binary;
  progress(`go install ${tool.module}${tool.pkg}@${tool.version}`);
  await run('go', ['install', `${tool.module}${tool.pkg}@${tool.version}`], {
    env: { ...process.env, GOBIN: layout.bin },
  });
  return binary;
}

/** Where `go mod download` put a module's files (read-only, in the module cache). */
async function goModuleDir(module: string, version: string): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: toolsHome,
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

function stampMatches(folder: string, stamp: string): boolean {
  try {
    return fs.readFileSync(path.join(folder, '.stamp'), 'utf8') === stamp;
  } catch {
    return false;
  }
}

/** Builds `folder` in a sibling temporary folder and swaps it in, so an interrupted run leaves no half. */
async function rebuild(folder: string, stamp: string, fill: (into: string) => Promise<void>): Promise<void> {
  const partial = `${folder}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  await fill(partial);
  fs.writeFileSync(path.join(partial, '.stamp'), stamp);
  fs.rmSync(folder, { recursive: true, force: true });
  fs.renameSync(partial, folder);
}

async function ensureKubernetesSchemas(): Promise<string> {
  const target = path.join(layout.schemas, 'kubernetes');
  const stamp = `${kubernetesSchemas.pypi}==${kubernetesSchemas.version} ${kubernetesVersions.join(' ')}`;
  if (stampMatches(target, stamp)) return target;
  // The package holds every version's schemas (150 MB unpacked): installed in passing, only ours kept.
  const pythonTarget = path.join(layout.python, `${kubernetesSchemas.pypi}-${kubernetesSchemas.version}`);
  progress(`pip install ${kubernetesSchemas.pypi}==${kubernetesSchemas.version} (its schemas only)`);
  fs.rmSync(pythonTarget, { recursive: true, force: true });
  await run(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-deps',
      '--only-binary=:all:',
      '--target',
      pythonTarget,
      `${kubernetesSchemas.pypi}==${kubernetesSchemas.version}`,
    ],
    { env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  const bundled = path.join(pythonTarget, 'kubernetes_validate', 'kubernetes-json-schema');
  try {
    await rebuild(target, stamp, async (into) => {
      for (const version of kubernetesVersions) {
        kubernetesSchemaFolder(
          path.join(bundled, `v${version}-local-strict`),
          path.join(into, `v${version}-local-strict`),
        );
      }
    });
  } finally {
    fs.rmSync(pythonTarget, { recursive: true, force: true });
  }
  return target;
}

async function ensureCrdSchemas(yq: string): Promise<string> {
  const target = path.join(layout.schemas, 'crds');
  const stamp = crdSources.map((source) => `${source.module}@${source.version}`).join(' ');
  if (stampMatches(target, stamp)) return target;
  await rebuild(target, stamp, async (into) => {
    for (const source of crdSources) {
      progress(`go mod download ${source.module}@${source.version} (its CRD manifests)`);
      const dir = await goModuleDir(source.module, source.version);
      for (const file of source.files) {
        const { stdout } = await run(yq, ['eval-all', '-o=json', '-I=0', '[.]', path.join(dir, file)], {
          maxBuffer: 64 * 1024 * 1024,
        });
        for (const crd of JSON.parse(stdout) as unknown[]) crdSchemaFiles(crd, into);
      }
    }
  });
  return target;
}

/** One installer at a time (the CLI and a test run may start together); a dead holder's lock is taken over. */
async function withInstallLock<T>(work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(toolsHome, { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      fs.writeFileSync(layout.lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(layout.lock, 'utf8'));
      let alive = false;
      try {
        process.kill(holder, 0);
        alive = Number.isInteger(holder) && holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        fs.rmSync(layout.lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another install (pid ${holder}) holds ${layout.lock}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(layout.lock, { force: true });
  }
}

/** Installs what is missing (minutes, the first time: Go compiles four tools) and returns the paths. */
export function ensureDeployTools(): Promise<DeployTools> {
  return withInstallLock(async () => {
    const bin = {} as Record<GoTool, string>;
    // One at a time: go install already uses every core.
    for (const name of Object.keys(goTools) as GoTool[]) bin[name] = await ensureGoTool(name);
    const kubernetes = await ensureKubernetesSchemas();
    const crds = await ensureCrdSchemas(bin.yq);
    return {
      bin,
      schemaLocations: [
        `${kubernetes}/{{.NormalizedKubernetesVersion}}-local-strict/{{.ResourceKind}}{{.KindSuffix}}.json`,
        `${crds}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
      ],
    };
  });
}
