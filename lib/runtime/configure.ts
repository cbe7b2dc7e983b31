/**
 * Start-up of every entry point: load and validate configuration (the runtime section always, plus what the
 * caller needs), create the logger, and initialise Sentry when a DSN is set. Called inside `runMain`, so a bad
 * setting ends as one clear message and exit code 2.
 */
import { type Config, loadConfig, type SectionName } from '../config/index.ts';
import { createLogger, type Logger } from '../logging/index.ts';
import { initSentry } from './sentry.ts';

export interface Runtime<Names extends SectionName> {
  config: Config<Names | 'runtime'>;
  logger: Logger;
}

export function configure<const Names extends SectionName>(
  service: string,
  sections: readonly Names[],
): Runtime<Names> {
  const config = loadConfig<Names | 'runtime'>(['runtime', ...sections]);
  const { runtime } = config;
  if (runtime.sentry) {
    initSentry({
      dsn: runtime.sentry.dsn,
      environment: runtime.env,
      service,
      tracesSampleRate: runtime.sentry.tracesSampleRate,
    });
  }
  return { config, logger: createLogger({ service, level: runtime.logLevel }) };
}
