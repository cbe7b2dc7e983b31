/**
 * `npm run stack -- up | down | status | env` — command-line wiring only; the work is in lifecycle.ts.
 *
 *   up [--docker]       install what is missing, start what is not running, wait until healthy, print the table
 *   down [--docker]     stop the processes this stack started and wait until they are gone
 *   status [--json]     health of each service; exit code 1 when something is down
 *   env                 `export KEY=value` lines for eval "$(npm run -s stack -- env)"; nothing else on stdout
 */
import { composeDown, composeUp } from './docker.ts';
import { StackError } from './errors.ts';
import { down, type ServiceStatus, status, up } from './lifecycle.ts';
import { formatEnvExports, formatStatusJson, formatStatusTable, formatStopTable } from './report.ts';
import { connectionEnv } from './topology.ts';

const usage = 'usage: npm run stack -- up [--docker] | down [--docker] | status [--json] | env';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest);
  const known = new Set(['--docker', '--json']);
  const unknown = rest.filter((flag) => !known.has(flag));
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown.join(' ')}\n${usage}`);
    return 2;
  }
  switch (command) {
    case 'up': {
      if (flags.has('--docker')) {
        await composeUp();
        return 0;
      }
      const started = Date.now();
      const statuses = await up();
      console.log(formatStatusTable(statuses));
      console.error(`[stack] up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down': {
      if (flags.has('--docker')) {
        await composeDown();
        return 0;
      }
      console.log(formatStopTable(await down()));
      return 0;
    }
    case 'status': {
      const statuses = await status();
      console.log(flags.has('--json') ? formatStatusJson(statuses) : formatStatusTable(statuses));
      return statuses.every((s) => s.health.ok) ? 0 : 1;
    }
    case 'env':
      console.log(formatEnvExports(connectionEnv()));
      return 0;
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const statuses = (error as { statuses?: ServiceStatus[] }).statuses;
    if (statuses) console.error(formatStatusTable(statuses));
    console.error(error instanceof StackError ? `[stack] ${error.reason}: ${error.message}` : error);
    process.exitCode = 1;
  },
);
