/**
 * Validates the Dockerfile offline: BuildKit's own linter (the rules of `docker build --check`, through
 * deploycheck, with base images described offline instead of pulled), the build context (.dockerignore keeps
 * node_modules, caches, .git and .env files out, and lets in everything a COPY names), then this project's rules
 * for every image it ships (every stage no other stage builds on or copies from): a numeric non-root USER, an
 * exec-form CMD running a compiled entry point of this repository, STOPSIGNAL SIGTERM, NODE_ENV=production,
 * production dependencies only, tagged base images, no remote ADD, lean apt installs.
 */
import path from 'node:path';
import { repoRoot } from '../stack/topology.ts';
import { runDeploycheck } from './deploycheck.ts';
import { entryPointSource } from './entry-point.ts';
import type { Finding } from './validate-compose.ts';

export const dockerfile = path.join(repoRoot, 'Dockerfile');
export const dockerignore = path.join(repoRoot, '.dockerignore');

/** Paths that must never reach the build context: local state, build output, history, secrets, tests. */
export const excludedFromContext = [
  'node_modules',
  '.cache',
  'dist',
  '.git',
  'test-results',
  'test',
  '.env',
  '.env.production',
  'dbt/target',
] as const;

export interface DockerInstruction {
  kind: string;
  line: number;
  source: string;
  command?: string[];
  shellForm?: boolean;
  value?: string;
  from?: string;
  sources?: string[];
  dest?: string;
  ignored?: string[];
  env?: Record<string, string>;
}

export interface DockerStage {
  name: string;
  base: string;
  line: number;
  instructions: DockerInstruction[];
}

export interface DockerfileReport {
  error: string | null;
  warnings: { rule: string; description: string; url: string; detail: string; line: number }[];
  stages: DockerStage[];
  probes: Record<string, boolean>;
}

/** The stages of a Dockerfile and how they depend on each other (FROM <stage>, COPY --from=<stage>). */
class StageGraph {
  readonly byName = new Map<string, DockerStage>();

  constructor(readonly stages: DockerStage[]) {
    for (const stage of stages) if (stage.name) this.byName.set(stage.name.toLowerCase(), stage);
  }

  stage(reference: string | undefined): DockerStage | undefined {
    if (reference === undefined || reference === '') return undefined;
    return /^\d+$/.test(reference)
      ? this.stages[Number(reference)]
      : this.byName.get(reference.toLowerCase());
  }

  /** The stage, then the stage it is built FROM, and so on up to an external image. */
  chain(stage: DockerStage): DockerStage[] {
    const chain: DockerStage[] = [];
    for (let current: DockerStage | undefined = stage; current; current = this.stage(current.base)) {
      if (chain.includes(current)) break;
      chain.push(current);
    }
    return chain;
  }

  copiesFrom(stage: DockerStage): { instruction: DockerInstruction; from: DockerStage }[] {
    return stage.instructions.flatMap((instruction) => {
      const from = instruction.kind === 'copy' ? this.stage(instruction.from) : undefined;
      return from ? [{ instruction, from }] : [];
    });
  }

  /** Stages no other stage builds on or copies from: the images the Dockerfile is for. */
  shipped(): DockerStage[] {
    const used = new Set<DockerStage>();
    for (const stage of this.stages) {
      const base = this.stage(stage.base);
      if (base) used.add(base);
      for (const { from } of this.copiesFrom(stage)) used.add(from);
    }
    return this.stages.filter((stage) => !used.has(stage));
  }

  /** Everything an image is made of: its chain and, recursively, the chains of the stages it copies from. */
  closure(stage: DockerStage): DockerStage[] {
    const seen: DockerStage[] = [];
    const visit = (next: DockerStage): void => {
      for (const member of this.chain(next)) {
        if (seen.includes(member)) continue;
        seen.push(member);
        for (const { from } of this.copiesFrom(member)) visit(from);
      }
    };
    visit(stage);
    return seen;
  }

  /** The last instruction of a kind that applies to a stage, looking up its FROM chain. */
  last(stage: DockerStage, kinds: readonly string[]): DockerInstruction | undefined {
    for (const member of this.chain(stage)) {
      const found = member.instructions.findLast((instruction) => kinds.includes(instruction.kind));
      if (found) return found;
    }
    return undefined;
  }

  env(stage: DockerStage, name: string): string | undefined {
    for (const member of this.chain(stage)) {
      const found = member.instructions.findLast((instruction) => instruction.env?.[name] !== undefined);
      if (found) return found.env?.[name];
    }
    return undefined;
  }
}

const npmInstall = /\bnpm\s+(ci|install|i)\b/;

/** Whether a stage's node_modules hold dev dependencies: an npm install without --omit=dev, never pruned. */
function hasDevDependencies(graph: StageGraph, stage: DockerStage): boolean {
  const runs = graph
    .chain(stage)
    .reverse()
    .flatMap((member) => member.instructions.filter((instruction) => instruction.kind === 'run'))
    .map((instruction) => (instruction.command ?? []).join(' '));
  let dev = false;
  for (const run of runs) {
    if (npmInstall.test(run)) dev = !run.includes('--omit=dev');
    if (/\bnpm\s+prune\b/.test(run) && run.includes('--omit=dev')) dev = false;
  }
  return dev;
}

function userProblem(user: DockerInstruction | undefined): string | undefined {
  if (!user) return 'runs as root: add USER <uid>:<gid> (numeric, not 0)';
  const uid = (user.value ?? '').split(':')[0] ?? '';
  if (!/^\d+$/.test(uid)) return `USER ${user.value} is not numeric (Kubernetes' runAsNonRoot needs a UID)`;
  return Number(uid) === 0 ? `USER ${user.value} is root` : undefined;
}

function commandProblem(command: DockerInstruction | undefined): string | undefined {
  if (!command) return 'has no CMD';
  if (command.shellForm)
    return `line ${command.line}: ${command.kind.toUpperCase()} must use the exec (JSON) form`;
  const [program, script] = command.command ?? [];
  if (program !== 'node' || entryPointSource(script)) return undefined;
  return `line ${command.line}: runs ${script ?? 'nothing'}, which is not a compiled entry point of this repository (dist/<path>.js)`;
}

function shippedStageProblems(graph: StageGraph, stage: DockerStage): string[] {
  const problems: string[] = [];
  const user = userProblem(graph.last(stage, ['user']));
  if (user) problems.push(user);
  const command = commandProblem(graph.last(stage, ['cmd', 'entrypoint']));
  if (command) problems.push(command);
  const signal = graph.last(stage, ['stopsignal'])?.value;
  if (signal !== 'SIGTERM') problems.push(`needs STOPSIGNAL SIGTERM (has ${signal ?? 'none'})`);
  if (graph.env(stage, 'NODE_ENV') !== 'production') problems.push('needs ENV NODE_ENV=production');
  if (hasDevDependencies(graph, stage)) {
    problems.push('its node_modules hold dev dependencies: npm ci --omit=dev');
  }
  for (const member of graph.closure(stage)) {
    for (const { instruction, from } of graph.copiesFrom(member)) {
      if (!hasDevDependencies(graph, from)) continue;
      const workdir = graph.last(from, ['workdir'])?.value;
      const leaks = (instruction.sources ?? []).filter((source) => {
        const clean = source.replace(/\/+$/, '') || '/';
        return clean.includes('node_modules') || clean === '/' || clean === '.' || clean === workdir;
      });
      if (leaks.length > 0) {
        problems.push(
          `line ${instruction.line}: copies ${leaks.join(', ')} from ${from.name}, whose node_modules hold dev dependencies`,
        );
      }
    }
  }
  return problems;
}

function instructionProblems(graph: StageGraph, stage: DockerStage): string[] {
  const problems: string[] = [];
  if (!graph.stage(stage.base) && stage.base !== 'scratch') {
    const tag = stage.base.split('@')[0]?.split('/').pop()?.split(':')[1];
    if (!stage.base.includes('@') && (!tag || tag === 'latest')) {
      problems.push(`line ${stage.line}: FROM ${stage.base} needs an explicit tag other than latest`);
    }
  }
  for (const instruction of stage.instructions) {
    const at = `line ${instruction.line}`;
    for (const source of instruction.ignored ?? []) {
      problems.push(`${at}: ${instruction.kind.toUpperCase()} ${source}, which .dockerignore excludes`);
    }
    if (
      instruction.kind === 'add' &&
      (instruction.sources ?? []).some((source) => /^https?:\/\//.test(source))
    ) {
      problems.push(`${at}: ADD of a URL; fetch and verify it in a RUN instead`);
    }
    const run = instruction.kind === 'run' ? (instruction.command ?? []).join(' ') : '';
    if (/\bapt-get\s+install\b/.test(run)) {
      if (!run.includes('--no-install-recommends'))
        problems.push(`${at}: apt-get install --no-install-recommends`);
      if (!run.includes('rm -rf /var/lib/apt/lists')) {
        problems.push(`${at}: remove /var/lib/apt/lists in the same RUN as apt-get install`);
      }
    }
  }
  return problems;
}

/** This project's rules on a linted Dockerfile (pure, for tests). */
export function dockerfileFindings(report: DockerfileReport, where = 'Dockerfile'): Finding[] {
  const findings: Finding[] = [];
  const add = (problem: string, at = where) => findings.push({ where: at, problem });
  if (report.error) add(report.error);
  for (const warning of report.warnings) {
    add(`line ${warning.line}: ${warning.rule}: ${warning.detail} (${warning.url})`);
  }
  for (const [probe, excluded] of Object.entries(report.probes)) {
    if (!excluded) add(`${probe} reaches the build context: exclude it`, '.dockerignore');
  }
  const graph = new StageGraph(report.stages);
  for (const stage of report.stages) {
    for (const problem of instructionProblems(graph, stage)) add(problem, `${where} stage ${stage.name}`);
  }
  for (const stage of graph.shipped()) {
    for (const problem of shippedStageProblems(graph, stage)) add(problem, `${where} image ${stage.name}`);
  }
  return findings;
}

export interface DockerfileValidation {
  report: DockerfileReport;
  findings: Finding[];
  /** The images it builds (its targets no other stage uses), by stage name. */
  shipped: string[];
}

export async function validateDockerfile(
  file = dockerfile,
  ignoreFile = dockerignore,
): Promise<DockerfileValidation> {
  const report = await runDeploycheck<DockerfileReport>([
    'dockerfile',
    '--file',
    file,
    '--ignore-file',
    ignoreFile,
    ...excludedFromContext.flatMap((probe) => ['--probe', probe]),
  ]);
  return {
    report,
    findings: dockerfileFindings(report, path.relative(repoRoot, file) || file),
    shipped: new StageGraph(report.stages).shipped().map((stage) => stage.name),
  };
}
