/**
 * Makes the publication match the connectors. Creating or altering a publication needs ownership of every
 * table in it (and CREATE on the database), which the reader's role deliberately lacks in production. So the
 * reader tries; when it may not, the error carries the exact SQL a table owner must run, and preflight prints
 * the same SQL. Nothing is changed when the publication already matches, so a reader without the privilege
 * starts normally once the DBA has run it.
 */
import type pg from 'pg';
import { qualifiedSourceName } from '../../connectors/catalogue.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import { readPublicationFacts } from './facts/publication.ts';
import { readTableFacts, type TableFacts } from './facts/tables.ts';
import { type PublicationPlan, planPublication } from './publication-plan.ts';
import { type PublishedColumns, planPublishedColumns } from './published-columns.ts';
import { assessReplicaIdentity } from './replica-identity.ts';

type Client = Pick<pg.ClientBase, 'query'>;

/** The role may not change the publication: `sql` is what a table owner (or superuser) must run. */
export class PublicationPrivilegeError extends PipelineError {
  readonly sql: string;

  constructor(publication: string, role: string, sql: string, cause: unknown) {
    super(
      'COMMAND_FAILED',
      `role ${role} may not change publication ${publication} (it must own the captured tables); ` +
        `a table owner must run:\n${sql}`,
      { cause, details: { publication, role } },
    );
    this.name = 'PublicationPrivilegeError';
    this.sql = sql;
  }
}

export interface DesiredPublication {
  tables: readonly TableFacts[];
  published: readonly PublishedColumns[];
  /** Per connector, why it cannot be published as declared; the sync refuses to run while any exist. */
  problems: readonly string[];
}

export async function readDesiredPublication(
  db: Client,
  connectors: readonly ConnectorDefinition[],
): Promise<DesiredPublication> {
  const tables = await readTableFacts(
    db,
    connectors.map((connector) => connector.source),
  );
  const published = connectors.map((connector, index) =>
    planPublishedColumns(connector, tables[index] as TableFacts),
  );
  const problems = published.flatMap((table, index) => {
    const own = table.problems.map((problem) => `connector ${table.connector}: ${problem}`);
    const facts = tables[index] as TableFacts;
    if (facts.exists && !assessReplicaIdentity(facts, table).coveredByColumnList)
      own.push(
        `connector ${table.connector}: the column list of ${qualifiedSourceName(connectors[index] as ConnectorDefinition)} ` +
          `would not cover its replica identity (${facts.replicaIdentity}), and PostgreSQL would then reject ` +
          'UPDATE and DELETE on it: fix the replica identity first',
      );
    return own;
  });
  return { tables, published, problems };
}

export interface PublicationSyncOptions {
  publication: string;
  connectors: readonly ConnectorDefinition[];
  /** Also drop and re-create a FOR ALL TABLES publication (interrupts a streaming reader). Default false. */
  allowRecreate?: boolean;
  /** How long the ALTER may wait for table locks before giving up (default 10 s: never queue behind the product). */
  lockTimeoutMs?: number;
}

export interface PublicationSyncResult {
  plan: PublicationPlan;
  applied: boolean;
}

export async function planPublicationSync(
  db: Client,
  options: Pick<PublicationSyncOptions, 'publication' | 'connectors'>,
): Promise<{ plan: PublicationPlan; desired: DesiredPublication }> {
  const desired = await readDesiredPublication(db, options.connectors);
  const current = await readPublicationFacts(db, options.publication);
  return { plan: planPublication(options.publication, desired.published, current), desired };
}

export async function syncPublication(
  db: pg.ClientBase,
  options: PublicationSyncOptions,
): Promise<PublicationSyncResult> {
  const { plan, desired } = await planPublicationSync(db, options);
  if (desired.problems.length > 0) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `cannot publish the connectors:\n  - ${desired.problems.join('\n  - ')}`,
      {
        details: { publication: options.publication },
      },
    );
  }
  if (plan.action === 'none') return { plan, applied: false };
  if (plan.action === 'recreate' && !options.allowRecreate) {
    throw new PipelineError(
      'COMMAND_FAILED',
      `${plan.differences.join('; ')}. Re-creating it interrupts any reader streaming from it; run:\n${plan.statements.join('\n')}`,
      { details: { publication: options.publication } },
    );
  }
  // One transaction: the publication never shows a half-applied table list to the walsender.
  await db.query('BEGIN');
  try {
    await db.query(`SELECT set_config('lock_timeout', $1, true)`, [`${options.lockTimeoutMs ?? 10_000}ms`]);
    for (const statement of plan.statements) await db.query(statement);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === '42501') {
      const role = await db.query<{ role: string }>('SELECT current_user::text AS role');
      throw new PublicationPrivilegeError(
        options.publication,
        role.rows[0]?.role ?? '(unknown)',
        plan.statements.join('\n'),
        error,
      );
    }
    throw error;
  }
  return { plan, applied: true };
}
