import { describe, expect, it } from 'vitest';
import { draftStatEvent } from '../../scripts/demo/domain/content.ts';
import { Prng } from '../../scripts/workload/prng.ts';
import { CoreReferences } from '../../scripts/workload/references.ts';

function domain(): CoreReferences {
  const refs = new CoreReferences(5);
  refs.partners.add('1', { isAnnouncer: true, isDiffuser: false });
  refs.partners.add('2', { isAnnouncer: false, isDiffuser: true });
  refs.partners.add('3', { isAnnouncer: true, isDiffuser: true });
  refs.missions.add('10', { publisherId: '1', clientId: 'm-10' });
  refs.widgets.add('20', { diffuserId: '2', publicId: 'w-20' });
  refs.campaigns.add('30', { fromPublisherId: '2', toPublisherId: '3', publicId: 'c-30' });
  return refs;
}

const picks = { mission: 0, widget: 0, campaign: 0, partner: 1, click: 0 };
const draft = (overrides: Partial<ReturnType<typeof draftStatEvent>>) => ({
  ...draftStatEvent(new Prng(1)),
  ...overrides,
});

describe('CoreReferences.resolveStatEvent', () => {
  it('attributes a widget event to the widget’s diffuser and the mission’s publisher', () => {
    const row = domain().resolveStatEvent(draft({ source: 'widget', type: 'print' }), picks);
    expect(row).toMatchObject({
      from_publisher_id: '2',
      to_publisher_id: '1',
      widget_id: '20',
      source_id: 'w-20',
      mission_id: '10',
      mission_client_id: 'm-10',
      campaign_id: null,
    });
  });

  it('drops a mission that does not belong to the campaign’s announcer', () => {
    const row = domain().resolveStatEvent(draft({ source: 'campaign', type: 'click' }), picks);
    expect(row).toMatchObject({
      from_publisher_id: '2',
      to_publisher_id: '3',
      campaign_id: '30',
      mission_id: null,
    });
  });

  it('makes a publisher’s own event go from and to the same partner', () => {
    const row = domain().resolveStatEvent(draft({ source: 'publisher', type: 'print' }), picks);
    expect(row?.from_publisher_id).toBe('1');
    expect(row?.to_publisher_id).toBe('1');
  });

  it('links an apply to a recent click, and a print to none', () => {
    const refs = domain();
    expect(refs.resolveStatEvent(draft({ source: 'api', type: 'apply' }), picks)?.click_id).toBeNull();
    refs.addStatEvent('click-1', 'click');
    expect(refs.resolveStatEvent(draft({ source: 'api', type: 'apply' }), picks)?.click_id).toBe('click-1');
    expect(refs.resolveStatEvent(draft({ source: 'api', type: 'print' }), picks)?.click_id).toBeNull();
  });

  it('gives up without any partner to attribute the event to', () => {
    expect(new CoreReferences().resolveStatEvent(draft({}), picks)).toBeUndefined();
  });

  it('bounds the stat event sample while keeping new events in it', () => {
    const refs = domain();
    for (let i = 0; i < 100; i++) refs.addStatEvent(`e${i}`, 'print');
    expect(refs.statEvents.size).toBe(5);
    expect(refs.statEvents.has('e99')).toBe(true);
    expect(refs.statEvents.has('e98')).toBe(true);
  });

  it('forgets the pins of a deleted mission', () => {
    const refs = domain();
    refs.widgetMissions.add('20:10', { widgetId: '20', missionId: '10' });
    refs.removeMission('10');
    expect(refs.missions.size).toBe(0);
    expect(refs.widgetMissions.size).toBe(0);
  });
});
