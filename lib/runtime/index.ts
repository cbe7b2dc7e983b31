export { describeFailure, exitCodes, runMain } from './entrypoint.ts';
export { flushSentry, initSentry, reportError, type SentrySettings } from './sentry.ts';
