/**
 * The CLI's logger for library clients (kafkajs): on stderr, because stdout carries the report or JSON, and
 * errors only unless LOG_LEVEL asks for debug: client internals would bury the command's own output.
 */
import { createLogger, type Logger } from '../../../lib/logging/index.ts';

export function quietLogger(level: string): Logger {
  return createLogger({
    service: 'cdc',
    level: level === 'debug' || level === 'trace' ? level : 'error',
    destination: process.stderr,
  });
}
