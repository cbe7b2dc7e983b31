/**
 * The measured processes run as production runs them: compiled JavaScript (`npm run build`, no tsx loader in
 * the process) with a heap cap, which keeps V8 from growing the heap just because the machine has memory to
 * spare. BENCH_NODE_FLAGS replaces the flags of every measured process
 * (e.g. "--max-old-space-size=160 --cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../scripts/stack/topology.ts';

export const defaultNodeFlags = '--max-old-space-size=160';

export function benchNodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? defaultNodeFlags).split(' ').filter(Boolean);
}

let built = false;

/**
 * Compiles the project once per bench run (a few seconds) and returns the compiled path of `script`, a
 * TypeScript file relative to the repository root (e.g. `bench/sink/child.ts`).
 */
export function compiledScript(script: string): string {
  if (!built) {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', path.join(repoRoot, 'tsconfig.build.json')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    built = true;
  }
  return path.join(repoRoot, 'dist', script.replace(/\.ts$/, '.js'));
}
