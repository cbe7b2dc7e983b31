/**
 * `npm run chaos`: the crash-and-fault suite from the command line. The short run by default (what CI runs as
 * test/chaos/chaos.test.ts), `--long` for the long one; `--seed` replays a run's timeline. Exit code 0 when
 * analytics_raw equals core after the faults, 1 when not (the report says where), 64 for a bad flag.
 */
import { PipelineError } from '../../lib/errors/index.ts';
import { runMain } from '../../lib/runtime/index.ts';
import { parseChaosArgs, usage } from './options.ts';
import { formatChaosReport } from './report.ts';
import { runChaos } from './run.ts';

await runMain('chaos', async () => {
  let options: ReturnType<typeof parseChaosArgs>;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    throw new PipelineError('INVALID_ARGUMENT', (error as Error).message, { cause: error });
  }
  if (options === 'help') {
    console.log(usage);
    return 0;
  }
  const started = performance.now();
  const log = (line: string) =>
    console.log(`[chaos ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const report = await runChaos(options, log);
  console.log(formatChaosReport(report));
  return report.ok ? 0 : 1;
});
