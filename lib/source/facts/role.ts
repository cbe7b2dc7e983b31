/** The role the reader connects as: logical decoding needs REPLICATION (or superuser, which it should not be). */
import type { Queryable } from '../../../lib/postgres/index.ts';

export interface RoleFacts {
  name: string;
  replication: boolean;
  superuser: boolean;
  /** The connection's database, which is where the slot and the publication live. */
  database: string;
}

export async function readRoleFacts(db: Queryable): Promise<RoleFacts> {
  const result = await db.query<{ name: string; replication: boolean; superuser: boolean; database: string }>(
    `SELECT rolname AS name, rolreplication AS replication, rolsuper AS superuser, current_database() AS database
       FROM pg_roles WHERE rolname = current_user`,
  );
  const row = result.rows[0];
  if (!row) throw new Error('current_user has no pg_roles row');
  return row;
}
