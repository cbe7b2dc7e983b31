/**
 * pino JSON logs. Redaction is on by default for anything that could carry a secret or a row value: the
 * pipeline moves other people's data, and logs end up in places with wider access than the database.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths removed from every log line, at the top level and one object deep. */
const sensitiveKeys = [
  'password',
  'secret',
  'token',
  'authorization',
  'connectionString',
  'url',
  'dsn',
  'sasl',
  'row',
  'rows',
  'before',
  'after',
  'values',
  'key',
  'value',
  'payload',
];

export const redactPaths = [...sensitiveKeys, ...sensitiveKeys.map((key) => `*.${key}`)];

export interface LoggerSettings {
  service: string;
  level?: LoggerOptions['level'];
  /** Extra destination, used by tests to capture output. */
  destination?: pino.DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service },
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.errWithCause },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
