export { createLogger, type Logger, type LoggerSettings, redactPaths } from './logger.ts';
