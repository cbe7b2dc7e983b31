/** `npm run dbt -- <dbt arguments>`: dbt from the project's virtual environment, profile from configuration. */
import { loadConfig } from '../../lib/config/index.ts';
import { runMain } from '../../lib/runtime/index.ts';
import { runDbt } from './run.ts';

await runMain('dbt', async () => {
  const { dbt } = loadConfig(['dbt']);
  const args = process.argv.slice(2);
  const result = await runDbt({
    args: args.length > 0 ? args : ['--help'],
    databaseUrl: dbt.url,
    threads: dbt.threads,
    venv: dbt.venv,
  });
  return result.code;
});
