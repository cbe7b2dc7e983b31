/**
 * How the replication connection is opened and the stream started.
 *
 * Session settings travel in the startup packet (`options=-c ...`), not as SET: a walsender applies them before
 * pgoutput formats a single value, and they hold for every replication mode. They make the text values exact
 * and independent of the server's defaults: ISO dates, timestamps in UTC, and floats printed with all digits.
 */
import type pg from 'pg';
import { PipelineError } from '../../../lib/errors/index.ts';
import { assertSlotName, formatLsn, quoteIdentifier, quoteLiteral } from '../../../lib/postgres/index.ts';
import type { Lsn } from '../model.ts';

export const sessionSettings = '-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3';

export type ConnectionSettings = string | pg.ClientConfig;

/**
 * A client config in logical replication mode with the session settings added to any the caller gave.
 * node-postgres lets a connection string's parameters override the config object's, so when the settings come
 * as a URL the options are merged into the URL itself.
 */
export function replicationClientConfig(
  settings: ConnectionSettings,
  applicationName: string,
): pg.ClientConfig {
  const base: pg.ClientConfig =
    typeof settings === 'string' ? { connectionString: settings } : { ...settings };
  const config: pg.ClientConfig = { ...base, replication: 'database' } as pg.ClientConfig;
  const url = parseUrl(base.connectionString);
  if (url) {
    url.searchParams.set('options', joinOptions(url.searchParams.get('options') ?? base.options));
    url.searchParams.delete('replication');
    if (!url.searchParams.has('application_name')) url.searchParams.set('application_name', applicationName);
    config.connectionString = url.toString();
    delete config.options;
  } else {
    config.options = joinOptions(base.options);
    config.application_name ??= applicationName;
  }
  return config;
}

function parseUrl(connectionString: string | undefined): URL | undefined {
  if (!connectionString) return undefined;
  try {
    return new URL(connectionString);
  } catch {
    // A libpq key=value string: node-postgres parses it, and its `options` would override ours; refuse that.
    if (/\boptions\s*=/.test(connectionString)) {
      throw new PipelineError(
        'CONFIG_INVALID',
        'give the replication connection as a URL when it sets options',
      );
    }
    return undefined;
  }
}

function joinOptions(existing: string | undefined): string {
  return existing?.trim() ? `${existing.trim()} ${sessionSettings}` : sessionSettings;
}

export interface StartReplicationOptions {
  slot: string;
  publications: readonly string[];
  /** Always explicit: without it the server would pick the slot's position, hiding what we asked for. */
  startLsn: Lsn;
}

/**
 * `START_REPLICATION SLOT "s" LOGICAL X/Y (proto_version '1', publication_names '"a","b"', messages 'true')`:
 * logical decoding messages carry the snapshot signals and watermarks (snapshot/incremental.ts). The replication
 * command parser takes no bind parameters, so names are validated and quoted here: the slot as an identifier,
 * the publications as a quoted identifier list (pgoutput splits it with SplitIdentifierString) inside a literal.
 */
export function startReplicationCommand(options: StartReplicationOptions): string {
  assertSlotName(options.slot);
  if (options.publications.length === 0) {
    throw new PipelineError('INVALID_ARGUMENT', 'START_REPLICATION needs at least one publication');
  }
  const publications = options.publications.map(quoteIdentifier).join(',');
  return (
    `START_REPLICATION SLOT ${quoteIdentifier(options.slot)} LOGICAL ${formatLsn(options.startLsn)} ` +
    `(proto_version '1', publication_names ${quoteLiteral(publications)}, messages 'true')`
  );
}
