/** `npm run workload`: wires the CLI, configuration, a connection pool and signals to runWorkload. */
import pg from 'pg';
import { configure, runMain } from '../../lib/runtime/index.ts';
import { parseWorkloadCommand, usage } from './cli.ts';
import { formatReport } from './report.ts';
import { runWorkload } from './run.ts';

await runMain('workload', async () => {
  const command = parseWorkloadCommand(process.argv.slice(2));
  if (command.help) {
    console.log(usage);
    return 0;
  }
  const { config, logger } = configure('workload', ['coreOwnerDatabase']);

  const pool = new pg.Pool({
    connectionString: config.coreOwnerDatabase.url,
    max: 2,
    application_name: 'cdc-workload',
  });
  // An idle connection killed by a server restart must not crash the process; the next attempt retries.
  pool.on('error', () => undefined);
  const stop = new AbortController();
  const onSignal = () => {
    logger.info('stopping after the current transaction (signal again to abort)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const report = await runWorkload(pool, command.options, {
      signal: stop.signal,
      log: (message) => logger.warn(message),
    });
    console.log(command.json ? JSON.stringify(report) : formatReport(report));
    return 0;
  } finally {
    await pool.end();
  }
});
