/**
 * `npx tsx scripts/deploy/main.ts [compose|dockerfile]`: validates docker-compose.yml and the Dockerfile offline
 * (both when no argument is given) and prints every finding; exit 1 when there is one. The first run builds the
 * Go validator into .cache/deploy (about a minute); later runs take a second. test/deploy runs the same checks.
 */
import { parseArgs } from 'node:util';
import { PipelineError } from '../../lib/errors/index.ts';
import { runMain } from '../../lib/runtime/index.ts';
import { type Finding, validateCompose } from './validate-compose.ts';
import { validateDockerfile } from './validate-dockerfile.ts';

const usage = 'usage: npx tsx scripts/deploy/main.ts [compose|dockerfile]';

function print(name: string, findings: Finding[]): void {
  if (findings.length === 0) {
    console.log(`${name}: valid`);
    return;
  }
  console.log(`${name}: ${findings.length} problem(s)`);
  for (const finding of findings) console.log(`  - ${finding.where}: ${finding.problem}`);
}

await runMain('deploy', async () => {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const [target = 'all', ...rest] = positionals;
  if (!['all', 'compose', 'dockerfile'].includes(target) || rest.length > 0) {
    throw new PipelineError('INVALID_ARGUMENT', usage);
  }
  let problems = 0;
  if (target !== 'dockerfile') {
    const { findings } = await validateCompose();
    print('docker-compose.yml', findings);
    problems += findings.length;
  }
  if (target !== 'compose') {
    const { findings, shipped } = await validateDockerfile();
    print(`Dockerfile (images: ${shipped.join(', ')})`, findings);
    problems += findings.length;
  }
  return problems === 0 ? 0 : 1;
});
