/** Settings of a replication session, with their defaults, checked once at construction. */
import { PipelineError } from '../../../lib/errors/index.ts';
import type { Logger } from '../../../lib/logging/index.ts';
import type { ConnectionSettings } from './connection.ts';

export interface ReplicationSessionOptions {
  /** The replication role's connection; replication mode and session settings are added. */
  connection: ConnectionSettings;
  /** Standby status update period. Keep it well under the server's wal_sender_timeout (60 s by default). */
  statusIntervalMs?: number;
  /** Messages held for the consumer before the socket is paused (it resumes at half). */
  highWaterMark?: number;
  /** How long `stop()` waits for the server to close the connection before dropping it. */
  stopTimeoutMs?: number;
  /** Shown in pg_stat_replication. */
  applicationName?: string;
  logger?: Logger;
}

export type ResolvedSessionOptions = Required<Omit<ReplicationSessionOptions, 'logger'>> &
  Pick<ReplicationSessionOptions, 'logger'>;

export const sessionDefaults = {
  statusIntervalMs: 10_000,
  highWaterMark: 1000,
  stopTimeoutMs: 5_000,
  applicationName: 'cdc-replication-reader',
} as const;

export function resolveSessionOptions(options: ReplicationSessionOptions): ResolvedSessionOptions {
  const resolved = { ...sessionDefaults, ...options };
  const problems = (['statusIntervalMs', 'highWaterMark', 'stopTimeoutMs'] as const).filter(
    (name) => !Number.isFinite(resolved[name]) || resolved[name] <= 0,
  );
  if (!Number.isInteger(resolved.highWaterMark) || resolved.highWaterMark < 2) problems.push('highWaterMark');
  if (problems.length > 0) {
    const names = [...new Set(problems)];
    throw new PipelineError('CONFIG_INVALID', `invalid replication session settings: ${names.join(', ')}`, {
      details: { settings: names },
    });
  }
  return resolved;
}
