/** `npm run cdc -- <command>`: the operator CLI. Only wiring; see cli.ts and commands/. */
import { runMain } from '../../../lib/runtime/index.ts';
import { runCli } from './cli.ts';

await runMain('cdc', () =>
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
  }),
);
