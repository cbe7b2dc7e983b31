/**
 * `cdc publication [--apply]`: shows how the publication differs from the connectors and the SQL that fixes
 * it; `--apply` runs that SQL as DATABASE_URL_CORE_OWNER, a role owning the captured tables (the reader's own
 * role deliberately may not alter the publication). This is the DBA's half of the publication design.
 */
import { allConnectors } from '../../../../connectors/index.ts';
import { configure } from '../../../../lib/runtime/index.ts';
import { planPublicationSync, syncPublication } from '../../../../lib/source/publication.ts';
import { loadReaderSettings } from '../../../../lib/source/settings.ts';
import type { Command } from '../command.ts';
import { parseOptions } from '../command.ts';
import { withDatabaseConnection } from '../database-connection.ts';

export const publicationCommand: Command = {
  name: 'publication',
  summary: 'show (or --apply) the SQL that makes the publication match the connectors',
  help: `Usage: cdc publication [--apply]

Compares the publication (CDC_PUBLICATION_NAME, default cdc_publication) with the connectors: tables, column
lists (excluded columns are never published), operations. Prints the differences and the SQL that fixes them.

Options:
  --apply  run the SQL in one transaction as DATABASE_URL_CORE_OWNER, a role that owns the captured tables
           (without --apply, DATABASE_URL_CORE is enough: nothing is changed)
  --help   show this help

Exit codes: 0 in sync or applied, 1 failed, 2 invalid configuration, 64 bad arguments.
`,
  async run(args, output) {
    const options = parseOptions('publication', args, { apply: { type: 'boolean', default: false } });
    // configure() first: it loads the .env files the reader settings may come from.
    const url = options.apply
      ? configure('cdc', ['coreOwnerDatabase']).config.coreOwnerDatabase.url
      : configure('cdc', ['coreDatabase']).config.coreDatabase.url;
    const settings = loadReaderSettings();
    const target = { publication: settings.publicationName, connectors: allConnectors };
    if (options.apply) {
      const result = await withDatabaseConnection(url, 'publication', (client) =>
        syncPublication(client, target),
      );
      output.stdout(
        result.applied
          ? `Applied to ${settings.publicationName}:\n${result.plan.statements.join('\n')}\n`
          : `${settings.publicationName} already matches the connectors; nothing to do.\n`,
      );
      return 0;
    }
    const { plan, desired } = await withDatabaseConnection(url, 'publication', (client) =>
      planPublicationSync(client, target),
    );
    if (desired.problems.length > 0) {
      // No SQL then: a plan built from a broken connector could publish what it must not.
      output.stdout(
        `The connectors cannot be published as declared; fix these first:\n${desired.problems.map((problem) => `  - ${problem}`).join('\n')}\n`,
      );
      return 1;
    }
    const lines = [
      plan.action === 'none'
        ? `${settings.publicationName} matches the connectors.`
        : `${settings.publicationName} differs from the connectors:`,
      ...plan.differences.map((difference) => `  - ${difference}`),
      ...(plan.statements.length > 0
        ? ['', 'SQL for a role that owns the captured tables:', ...plan.statements]
        : []),
      '',
    ];
    output.stdout(lines.join('\n'));
    return 0;
  },
};
