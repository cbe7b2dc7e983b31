/** The connector set: uniqueness across connectors, lookups, and the demo tables' personal-data policy. */
import { describe, expect, it } from 'vitest';
import { createConnectorCatalogue, topicOf } from '../../connectors/catalogue.ts';
import { ConnectorDefinitionError, defineConnector } from '../../connectors/define.ts';
import {
  allConnectors,
  connectorByName,
  connectorByTopic,
  connectorCatalogue,
} from '../../connectors/index.ts';

const connector = (name: string, table = name, extra: object = {}) =>
  defineConnector({ name, source: { schema: 'public', table }, destination: { table: name }, ...extra });

describe('connector catalogue', () => {
  it('finds connectors by name, topic and source table', () => {
    const catalogue = createConnectorCatalogue(
      [connector('a'), connector('b', 'b', { topic: 'custom.b' })],
      'core',
    );
    expect(catalogue.byName('a')?.source.table).toBe('a');
    expect(catalogue.byTopic('core.public.a')?.name).toBe('a');
    expect(catalogue.byTopic('custom.b')?.name).toBe('b');
    expect(catalogue.byTopic('core.public.b')).toBeUndefined();
    expect(catalogue.bySource('public', 'b')?.name).toBe('b');
  });

  it.each([
    ['names', [connector('a'), connector('a', 'other', { destination: { table: 'other' } })], 'a: name'],
    ['source tables', [connector('a'), connector('b', 'a', { topic: 'other.b' })], 'b: source'],
    ['topics', [connector('a'), connector('b', 'b', { topic: 'core.public.a' })], 'b: topic'],
    [
      'destination tables',
      [connector('a'), connector('b', 'b', { destination: { table: 'a' } })],
      'b: destination.table',
    ],
  ])('rejects duplicate %s, naming both connectors', (_, connectors, field) => {
    let error: unknown;
    try {
      createConnectorCatalogue(connectors);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConnectorDefinitionError);
    const problems = (error as ConnectorDefinitionError).problems;
    expect(problems.map((problem) => problem.field)).toEqual([field]);
    expect(problems[0]?.message).toMatch(/already used by connector "a"/);
  });

  it('derives topics from the prefix unless a connector names its own', () => {
    expect(topicOf(connector('a'), 'staging')).toBe('staging.public.a');
    expect(connectorByTopic('staging.public.stat_events', 'staging')?.name).toBe('stat_events');
    expect(connectorCatalogue('core').byTopic('core.public.partners')?.name).toBe('partners');
  });
});

describe('the demo connectors', () => {
  it('capture the six demo tables, one connector each', () => {
    expect(allConnectors.map((item) => item.name)).toEqual([
      'partners',
      'missions',
      'widgets',
      'widget_missions',
      'campaigns',
      'stat_events',
    ]);
  });

  it('keep visitors’ personal data out: IP and user agent excluded, fingerprint pseudonymised', () => {
    expect(connectorByName('stat_events')?.columns).toEqual({
      mode: 'all',
      exclude: ['ip', 'user_agent', 'referer'],
      pseudonymise: ['user_fingerprint'],
    });
    expect(connectorByName('partners')?.columns).toEqual({ mode: 'all', exclude: ['email'] });
  });
});
