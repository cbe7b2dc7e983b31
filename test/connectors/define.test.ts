/** defineConnector rejects every contradiction with the connector's name and the field at fault. */
import { describe, expect, it } from 'vitest';
import { ConnectorDefinitionError, defineConnector } from '../../connectors/define.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';

const valid: ConnectorDefinition = {
  name: 'accounts',
  source: { schema: 'public', table: 'accounts' },
  columns: { mode: 'all', exclude: ['ip'], pseudonymise: ['fingerprint'] },
  destination: { table: 'accounts' },
};

function problemsOf(definition: unknown): { connector: string; fields: string[]; message: string } {
  try {
    defineConnector(definition as ConnectorDefinition);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorDefinitionError);
    const failure = error as ConnectorDefinitionError;
    return {
      connector: failure.connector,
      fields: failure.problems.map((problem) => problem.field),
      message: failure.message,
    };
  }
  throw new Error('defineConnector accepted an invalid connector');
}

describe('defineConnector', () => {
  it('returns a valid connector, frozen', () => {
    const connector = defineConnector(valid);
    expect(connector).toEqual(valid);
    expect(Object.isFrozen(connector)).toBe(true);
    expect(Object.isFrozen(connector.source)).toBe(true);
  });

  it.each([
    ['a name that is not an identifier', { ...valid, name: 'Accounts' }, 'name'],
    [
      'a source table that is not an identifier',
      { ...valid, source: { schema: 'public', table: 'acc-ounts' } },
      'source.table',
    ],
    [
      'a source schema with a quote',
      { ...valid, source: { schema: 'pub"lic', table: 'accounts' } },
      'source.schema',
    ],
    [
      'a destination table that is not an identifier',
      { ...valid, destination: { table: 'raw.accounts' } },
      'destination.table',
    ],
    [
      'an excluded column that is not an identifier',
      { ...valid, columns: { mode: 'all', exclude: ['IP'] } },
      'columns.exclude[0]',
    ],
    ['an empty key', { ...valid, key: [] }, 'key'],
    [
      'a column listed twice',
      { ...valid, columns: { mode: 'all', exclude: ['ip', 'ip'] } },
      'columns.exclude',
    ],
    ['an invalid topic', { ...valid, topic: 'core/accounts' }, 'topic'],
    ['an unknown property', { ...valid, destinaton: { table: 'x' } }, '(definition)'],
    ['a transform that is not a function', { ...valid, transform: 'drop' }, 'transform'],
    [
      'an unknown delete mode',
      { ...valid, destination: { table: 'accounts', deletes: 'purge' } },
      'destination.deletes',
    ],
  ])('rejects %s, naming the connector and the field', (_, definition, field) => {
    const problems = problemsOf(definition);
    expect(problems.connector).toBe((definition as { name: string }).name);
    expect(problems.fields).toContain(field);
    expect(problems.message).toContain(`"${problems.connector}"`);
    expect(problems.message).toContain(field);
  });

  it('rejects a column both excluded and pseudonymised', () => {
    const problems = problemsOf({
      ...valid,
      columns: { mode: 'all', exclude: ['ip', 'fingerprint'], pseudonymise: ['fingerprint'] },
    });
    expect(problems).toMatchObject({ connector: 'accounts', fields: ['columns.pseudonymise[0]'] });
    expect(problems.message).toMatch(/"fingerprint" is also excluded/);
  });

  it('rejects key columns that are excluded or pseudonymised', () => {
    const problems = problemsOf({ ...valid, key: ['id', 'ip', 'fingerprint'] });
    expect(problems.connector).toBe('accounts');
    expect(problems.fields).toEqual(['key[1]', 'key[2]']);
    expect(problems.message).toMatch(/"ip" is excluded/);
    expect(problems.message).toMatch(/"fingerprint" is pseudonymised/);
  });

  it('rejects excluded conflict columns', () => {
    const problems = problemsOf({ ...valid, destination: { table: 'accounts', conflictColumns: ['ip'] } });
    expect(problems.fields).toEqual(['destination.conflictColumns[0]']);
  });

  it('in "only" mode, requires pseudonymised and conflict columns to be included', () => {
    const problems = problemsOf({
      ...valid,
      key: ['id'],
      columns: { mode: 'only', include: ['name'], pseudonymise: ['fingerprint'] },
      destination: { table: 'accounts', conflictColumns: ['id', 'email'] },
    });
    expect(problems.fields).toEqual(['columns.pseudonymise[0]', 'destination.conflictColumns[1]']);
  });

  it('names an unnamed connector as such', () => {
    const problems = problemsOf({ ...valid, name: '' });
    expect(problems.connector).toBe('(unnamed connector)');
    expect(problems.fields).toContain('name');
  });
});
