/**
 * Turns a PostgreSQL URL into the DBT_PG_* variables dbt/profiles.yml reads. Pure, so it is unit-tested; the
 * URL itself never reaches dbt's command line or logs.
 */
import { PipelineError } from '../errors/index.ts';

export function dbtProfileEnv(databaseUrl: string, threads: number): Record<string, string> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch (error) {
    throw new PipelineError('CONFIG_INVALID', 'the dbt database URL is not a valid URL', { cause: error });
  }
  const dbname = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !dbname || !url.username) {
    throw new PipelineError(
      'CONFIG_INVALID',
      'the dbt database URL needs a user, a host and a database name',
    );
  }
  return {
    DBT_PG_HOST: url.hostname,
    DBT_PG_PORT: url.port || '5432',
    DBT_PG_USER: decodeURIComponent(url.username),
    DBT_PG_PASSWORD: decodeURIComponent(url.password),
    DBT_PG_DBNAME: dbname,
    DBT_PG_SSLMODE: url.searchParams.get('sslmode') ?? 'prefer',
    DBT_THREADS: String(threads),
  };
}
