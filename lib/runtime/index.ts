export { configure, type Runtime } from './configure.ts';
export { describeFailure, exitCodes, runMain } from './entrypoint.ts';
export { flushSentry, initSentry, reportError, type SentrySettings } from './sentry.ts';
