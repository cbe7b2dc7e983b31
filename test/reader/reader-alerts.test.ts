/** What the reader tells people, from the events its service sees (pure: a recording notifier). */
import { describe, expect, it } from 'vitest';
import { connectorCatalogue } from '../../connectors/index.ts';
import { PipelineError } from '../../lib/errors/index.ts';
import type { Notifier, NotifyEvent } from '../../lib/notify/index.ts';
import { ReaderAlerts } from '../../services/replication-reader/alerts.ts';

function recording(): Notifier & { events: NotifyEvent[] } {
  const events: NotifyEvent[] = [];
  return { events, notify: (event) => events.push(event), close: async () => undefined };
}

const catalogue = connectorCatalogue('core');

describe('ReaderAlerts', () => {
  it('tells of a pause and its resume once each, across runs', () => {
    const notifier = recording();
    const alerts = new ReaderAlerts(notifier, {
      slot: 'cdc_reader',
      connectors: catalogue,
      pausedRetryMs: 10_000,
    });
    alerts.tablePaused('partners', false); // described for the first time: no news
    alerts.tablePaused('partners', true);
    alerts.tablePaused('partners', true); // paused again after a replay for another table
    alerts.tablePaused('missions', false);
    alerts.tablePaused('partners', false); // the replay streams it
    expect(notifier.events.map((event) => [event.kind, event.key])).toEqual([
      ['pause', 'table:partners'],
      ['resume', 'table:partners'],
    ]);
    expect(notifier.events[0]).toMatchObject({
      service: 'replication-reader',
      fields: { table: 'partners', topic: 'core.public.partners', slot: 'cdc_reader' },
    });
    expect(notifier.events[0]?.detail).toContain('every 10 s');
  });

  it('says why a table paused and what to do, for each cause, within the message size', () => {
    const notifier = recording();
    const alerts = new ReaderAlerts(notifier, { slot: 'cdc_reader', connectors: catalogue });
    alerts.tablePaused('partners', true, 'schema');
    alerts.tablePaused('missions', true, 'too-large');
    alerts.tablePaused('widgets', true, 'unmappable');
    expect(notifier.events.map((event) => event.title)).toEqual([
      'table partners paused: the registry rejected its new schema',
      'table missions paused: a change is larger than its topic accepts',
      'table widgets paused: one of its values cannot be mapped',
    ]);
    const unmappable = notifier.events[2]?.detail ?? '';
    expect(unmappable).toContain('exclude the column');
    expect(unmappable).toContain('upgrade the reader');
    expect(unmappable).not.toContain('checks every');
    for (const event of notifier.events) expect(event.detail?.length).toBeLessThanOrEqual(500);
  });

  it('tells of failing runs from the threshold on, and of the stream coming back', () => {
    const notifier = recording();
    const alerts = new ReaderAlerts(notifier, {
      slot: 'cdc_reader',
      connectors: catalogue,
      alertAfterFailures: 2,
    });
    const error = new PipelineError('KAFKA_UNAVAILABLE', 'brokers unreachable');
    alerts.runFailed(error, 1, 500);
    expect(notifier.events).toEqual([]);
    alerts.runFailed(error, 2, 1_000);
    alerts.runFailed(error, 3, 2_000);
    alerts.streaming();
    alerts.streaming(); // a later replay: nothing to recover from
    expect(notifier.events.map((event) => event.kind)).toEqual(['failure', 'failure', 'recovery']);
    expect(notifier.events[0]).toMatchObject({
      key: 'reader.stream',
      detail: 'brokers unreachable',
      fields: { code: 'KAFKA_UNAVAILABLE', 'consecutive failures': 2, 'next attempt in': '1 s' },
    });
    expect(notifier.events[2]).toMatchObject({ key: 'reader.stream', fields: { 'failed runs': 3 } });
  });

  it('sends no recovery after failures below the threshold', () => {
    const notifier = recording();
    const alerts = new ReaderAlerts(notifier, { slot: 'cdc_reader', connectors: catalogue });
    alerts.runFailed(new Error('x'), 1, 500);
    alerts.streaming();
    expect(notifier.events).toEqual([]);
  });

  it('never passes on a message that may quote a row value', () => {
    const notifier = recording();
    const alerts = new ReaderAlerts(notifier, {
      slot: 'cdc_reader',
      connectors: catalogue,
      alertAfterFailures: 1,
    });
    alerts.runFailed(
      new PipelineError('DECODE_FAILED', 'partners.email (text): cannot encode "someone@example.org"', {
        details: { table: 'partners' },
      }),
      1,
      500,
    );
    expect(JSON.stringify(notifier.events)).not.toContain('someone@example.org');
    expect(notifier.events[0]?.detail).toBe(
      'DECODE_FAILED on table partners (message withheld: it may quote row values)',
    );
  });
});
