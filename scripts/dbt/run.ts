/** dbt runs through the shared runner (lib/dbt), which the marts builder uses too. */
export { type DbtRun, dbtExecutable, dbtProjectDir, runDbt } from '../../lib/dbt/run.ts';
