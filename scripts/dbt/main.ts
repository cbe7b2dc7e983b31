/** `npm run dbt -- <dbt arguments>`: dbt from the project's virtual environment, profile from configuration. */
import { configure, runMain } from '../../lib/runtime/index.ts';
import { runDbt } from './run.ts';

await runMain('dbt', async () => {
  const { dbt } = configure('dbt', ['dbt']).config;
  const args = process.argv.slice(2);
  const result = await runDbt({
    args: args.length > 0 ? args : ['--help'],
    databaseUrl: dbt.url,
    threads: dbt.threads,
    venv: dbt.venv,
  });
  return result.code;
});
