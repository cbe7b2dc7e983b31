/**
 * `npm run db:migrate [-- --target core]`, `npm run db:new -- <name> [--target core]`, `npm run db:status`.
 * Analytics migrations run as the sink role (DATABASE_URL_ANALYTICS), which therefore owns analytics_raw;
 * the demo core schema runs as the application's owner role (DATABASE_URL_CORE_OWNER).
 */
import { parseArgs } from 'node:util';
import { PipelineError } from '../../lib/errors/index.ts';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { type MigrationTarget, migrationTargets, runDbmate } from './dbmate.ts';

const usage = `usage: db <migrate|status|new <name>> [--target analytics|core]`;

function parseTarget(value: string | undefined): MigrationTarget {
  const target = value ?? 'analytics';
  if (!(target in migrationTargets)) {
    throw new PipelineError(
      'INVALID_ARGUMENT',
      `unknown --target "${target}" (expected analytics or core)\n${usage}`,
    );
  }
  return target as MigrationTarget;
}

function databaseUrl(target: MigrationTarget): string {
  return target === 'core'
    ? configure('db', ['coreOwnerDatabase']).config.coreOwnerDatabase.url
    : configure('db', ['analyticsDatabase']).config.analyticsDatabase.url;
}

await runMain('db', async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { target: { type: 'string' } },
  });
  const [command, name] = positionals;
  const target = parseTarget(values.target);
  switch (command) {
    case 'migrate':
      return (await runDbmate({ target, url: databaseUrl(target), args: ['up'] })).code;
    case 'status':
      return (await runDbmate({ target, url: databaseUrl(target), args: ['status'] })).code;
    case 'new':
      if (!name || !/^[a-z0-9_]+$/.test(name)) {
        throw new PipelineError('INVALID_ARGUMENT', `db new needs a snake_case migration name\n${usage}`);
      }
      return (await runDbmate({ target, args: ['new', name] })).code;
    default:
      throw new PipelineError('INVALID_ARGUMENT', usage);
  }
});
