/**
 * `cdc preflight [--json]`: checks the core database against what the reader needs (settings, role, tables,
 * publication, slot) and prints each finding with its fix. Exit 0 when nothing fails (warnings allowed), 1 when
 * something fails or the database cannot be reached, 2 on bad configuration.
 */
import { allConnectors } from '../../../../connectors/index.ts';
import { configure } from '../../../../lib/runtime/index.ts';
import { type Finding, hasFailures, runPreflight } from '../../../../lib/source/preflight.ts';
import { loadReaderSettings } from '../../../../lib/source/settings.ts';
import type { Command } from '../command.ts';
import { parseOptions } from '../command.ts';
import { withDatabaseConnection } from '../database-connection.ts';
import { formatFindings, summarise } from '../findings-table.ts';

export const preflightCommand: Command = {
  name: 'preflight',
  summary: 'check that the core database is ready for the reader; print fixes',
  help: `Usage: cdc preflight [--json]

Checks, as the reader's role (DATABASE_URL_CORE): wal_level, max_slot_wal_keep_size, slot and WAL sender
headroom, wal_sender_timeout, the role's REPLICATION attribute and SELECT grants, each captured table (key,
replica identity), the publication (tables, column lists, excluded columns never published) and the slot
(type, wal_status, lag). Every finding that is not ok comes with the SQL or setting that fixes it.

Options:
  --json   print {"ok", "counts", "findings": [{check, status, detail, fix}]} instead of a table
  --help   show this help

Environment: DATABASE_URL_CORE (required), CDC_SLOT_NAME (default cdc_reader),
CDC_PUBLICATION_NAME (default cdc_publication), CDC_PSEUDONYMISATION_KEY (checked, never printed).

Exit codes: 0 no failure, 1 a check failed, 2 invalid configuration, 64 bad arguments.
`,
  async run(args, output) {
    const options = parseOptions('preflight', args, { json: { type: 'boolean', default: false } });
    const { config } = configure('cdc', ['coreDatabase']);
    const settings = loadReaderSettings();
    const expectations = {
      slotName: settings.slotName,
      publicationName: settings.publicationName,
      connectors: allConnectors,
    };
    let findings: Finding[];
    try {
      findings = await withDatabaseConnection(config.coreDatabase.url, 'preflight', (client) =>
        runPreflight(client, expectations),
      );
    } catch (error) {
      findings = [
        {
          check: 'database.connect',
          status: 'fail',
          detail: `cannot check the core database: ${(error as Error).message}`,
          fix: 'check that PostgreSQL is up and that DATABASE_URL_CORE names the right host, database and role',
        },
      ];
    }
    const failed = hasFailures(findings);
    if (options.json) {
      output.stdout(
        `${JSON.stringify({ ok: !failed, counts: summarise(findings), ...expectations, connectors: allConnectors.map((connector) => connector.name), findings }, null, 2)}\n`,
      );
    } else {
      output.stdout(formatFindings(findings));
    }
    return failed ? 1 : 0;
  },
};
