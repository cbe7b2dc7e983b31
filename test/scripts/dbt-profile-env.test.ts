import { describe, expect, it } from 'vitest';
import { dbtProfileEnv } from '../../lib/dbt/profile-env.ts';

describe('dbtProfileEnv', () => {
  it('splits a URL into the profile variables, decoding credentials', () => {
    expect(dbtProfileEnv('postgres://cdc%40x:p%2Fw@db.internal:6543/analytics?sslmode=require', 2)).toEqual({
      DBT_PG_HOST: 'db.internal',
      DBT_PG_PORT: '6543',
      DBT_PG_USER: 'cdc@x',
      DBT_PG_PASSWORD: 'p/w',
      DBT_PG_DBNAME: 'analytics',
      DBT_PG_SSLMODE: 'require',
      DBT_THREADS: '2',
    });
  });

  it('defaults the port and sslmode', () => {
    const env = dbtProfileEnv('postgresql://u:p@h/db', 4);
    expect(env.DBT_PG_PORT).toBe('5432');
    expect(env.DBT_PG_SSLMODE).toBe('prefer');
  });

  it('rejects URLs without a database or user, without echoing them', () => {
    expect(() => dbtProfileEnv('postgres://h:5432/', 1)).toThrow(/user, a host and a database/);
    expect(() => dbtProfileEnv('not a url with secret', 1)).toThrow(/not a valid URL/);
  });
});
