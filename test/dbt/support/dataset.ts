/**
 * A small, hand-made demo domain in analytics_raw: three partners, three missions, two widgets, a campaign
 * and a few days of tracking events, small enough to compute the marts by hand. Days are UTC, fixed in
 * 2026-11, so the test does not depend on the clock: dbt is always given the event-time window.
 *
 * Partner 2 spreads partner 1's missions (widget 20, campaign 30); partner 3 both announces and diffuses
 * (widget 21, its own mission 12). The events of partner 2 as diffuser on Nov 2nd, by hand:
 * prints e7 e8 e9 e10 e12 (e15 is a bot) = 5, clicks e11 e13 = 2, applies e14 = 1,
 * so click-through 2/5 = 0.4 and conversion 1/2 = 0.5.
 */
import { createHash } from 'node:crypto';
import type { RawRow } from './raw-writer.ts';

/**
 * The window the builder would pass: whole UTC days (dbt rounds the end up to the next midnight). dbt reads
 * `--event-time-*` as naive UTC times and accepts no zone suffix, hence no `Z`.
 */
export const firstDay = '2026-11-01T00:00:00';
export const lastDayEnd = '2026-11-05T00:00:00';

export function eventId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** What the replication reader writes for a fingerprint: a keyed hash, never the fingerprint. */
function visitor(n: number): string {
  return createHash('sha256').update(`visitor-${n}`).digest('hex');
}

const created = '2026-06-01T09:00:00Z';

export const partners: RawRow[] = [
  partner(1, 'Association Alpha', true, false),
  partner(2, 'Diffuseur Beta', false, true),
  partner(3, 'Collectif Gamma', true, true),
];

function partner(id: number, name: string, isAnnouncer: boolean, isDiffuser: boolean): RawRow {
  return {
    id,
    public_id: `10000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    name,
    website_url: `https://partner-${id}.example.org`,
    is_announcer: isAnnouncer,
    is_diffuser: isDiffuser,
    commission_rate: '0.125',
    created_at: created,
    updated_at: created,
  };
}

export const missions: RawRow[] = [
  mission(10, 1, 'active', { street: '3 quai Saint-Antoine', city: 'Lyon', departmentCode: '69' }),
  mission(11, 1, 'active', null),
  mission(12, 3, 'draft', { city: 'Nantes', departmentCode: '44' }),
];

function mission(id: number, publisherId: number, status: string, address: object | null): RawRow {
  return {
    id,
    publisher_id: publisherId,
    client_id: `m-${id}`,
    title: `Mission ${id}`,
    description: '<p>Contact: a named person</p>',
    status,
    domain: 'environnement',
    address: address ? JSON.stringify(address) : null,
    metadata: '{}',
    places: 2,
    is_remote: false,
    published_at: created,
    created_at: created,
    updated_at: created,
  };
}

export const widgets: RawRow[] = [widget(20, 2, 'carousel'), widget(21, 3, 'page')];

function widget(id: number, diffuserId: number, style: string): RawRow {
  return {
    id,
    public_id: `20000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    diffuser_id: diffuserId,
    name: `Widget ${id}`,
    color: '#000091',
    style,
    mission_type: 'benevolat',
    is_active: true,
    created_at: created,
    updated_at: created,
  };
}

export const widgetMissions: RawRow[] = [
  { widget_id: 20, mission_id: 10, position: 0, added_at: created },
  { widget_id: 20, mission_id: 11, position: 1, added_at: created },
  { widget_id: 21, mission_id: 12, position: 0, added_at: created },
];

export const campaigns: RawRow[] = [
  {
    id: 30,
    public_id: '30000000-0000-4000-8000-000000000030',
    name: 'Newsletter de novembre',
    from_publisher_id: 2,
    to_publisher_id: 1,
    kind: 'email',
    url: 'https://partner-1.example.org/missions',
    budget: '500.00',
    spent: '120.50',
    is_active: true,
    created_at: created,
    updated_at: created,
  },
];

interface EventSpec {
  n: number;
  type: 'print' | 'click' | 'apply' | 'account';
  source: 'api' | 'widget' | 'publisher' | 'campaign';
  at: string;
  from: number;
  to: number;
  mission?: number;
  widget?: number;
  campaign?: number;
  click?: number;
  visitor: number;
  bot?: boolean;
}

export function statEvent(spec: EventSpec): RawRow {
  return {
    id: eventId(spec.n),
    type: spec.type,
    source: spec.source,
    source_id: spec.widget ? `widget-${spec.widget}` : spec.campaign ? `campaign-${spec.campaign}` : null,
    from_publisher_id: spec.from,
    to_publisher_id: spec.to,
    mission_id: spec.mission ?? null,
    mission_client_id: spec.mission ? `m-${spec.mission}` : null,
    widget_id: spec.widget ?? null,
    campaign_id: spec.campaign ?? null,
    click_id: spec.click ? eventId(spec.click) : null,
    host: 'www.partner-2.example.org',
    user_fingerprint: visitor(spec.visitor),
    is_bot: spec.bot ?? false,
    custom_attributes: '{"utm_source": "newsletter"}',
    created_at: spec.at,
    updated_at: spec.at,
  };
}

/** A time on a day of November 2026, UTC. */
function nov(day: number, time: string): string {
  return `2026-11-${String(day).padStart(2, '0')}T${time}Z`;
}

// How the events reach the visitor: through widget 20 or campaign 30 (partner 2 spreading partner 1's
// missions), widget 21 (partner 3 spreading its own mission 12), or the API and the publisher's own site.
const w20 = { source: 'widget', from: 2, to: 1, widget: 20 } as const;
const c30 = { source: 'campaign', from: 2, to: 1, campaign: 30 } as const;
const w21 = { source: 'widget', from: 3, to: 3, widget: 21, mission: 12 } as const;
const api3 = { source: 'api', from: 3, to: 1 } as const;
const own1 = { source: 'publisher', from: 1, to: 1 } as const;

export const statEvents: RawRow[] = [
  // Nov 1st
  statEvent({ n: 1, type: 'print', at: nov(1, '10:00:00'), ...w20, mission: 10, visitor: 1 }),
  statEvent({ n: 2, type: 'print', at: nov(1, '10:05:00'), ...w20, mission: 10, visitor: 2 }),
  statEvent({ n: 3, type: 'click', at: nov(1, '10:06:00'), ...w20, mission: 10, visitor: 1 }),
  statEvent({ n: 4, type: 'apply', at: nov(1, '10:20:00'), ...w20, mission: 10, visitor: 1, click: 3 }),
  statEvent({ n: 5, type: 'print', at: nov(1, '11:00:00'), ...api3, mission: 10, visitor: 3 }),
  // The last microsecond of Nov 1st, and the first of Nov 2nd: batch boundaries.
  statEvent({ n: 6, type: 'print', at: nov(1, '23:59:59.999999'), ...own1, mission: 10, visitor: 4 }),
  // Nov 2nd
  statEvent({ n: 7, type: 'print', at: nov(2, '00:00:00'), ...w20, mission: 10, visitor: 5 }),
  statEvent({ n: 8, type: 'print', at: nov(2, '08:00:00'), ...w20, mission: 11, visitor: 6 }),
  statEvent({ n: 9, type: 'print', at: nov(2, '09:00:00'), ...w20, mission: 11, visitor: 7 }),
  statEvent({ n: 10, type: 'print', at: nov(2, '09:30:00'), ...w20, mission: 10, visitor: 5 }),
  statEvent({ n: 11, type: 'click', at: nov(2, '09:31:00'), ...w20, mission: 10, visitor: 5 }),
  statEvent({ n: 12, type: 'print', at: nov(2, '12:00:00'), ...c30, mission: 10, visitor: 8 }),
  statEvent({ n: 13, type: 'click', at: nov(2, '12:01:00'), ...c30, mission: 10, visitor: 8 }),
  statEvent({ n: 14, type: 'apply', at: nov(2, '12:30:00'), ...c30, mission: 10, visitor: 8, click: 13 }),
  statEvent({ n: 15, type: 'print', at: nov(2, '13:00:00'), ...w20, mission: 10, visitor: 9, bot: true }),
  statEvent({ n: 16, type: 'account', at: nov(2, '14:00:00'), ...api3, mission: 11, visitor: 3 }),
  // Nov 3rd: partner 3 spreading its own mission through its widget.
  statEvent({ n: 17, type: 'print', at: nov(3, '10:00:00'), ...w21, visitor: 10 }),
  statEvent({ n: 18, type: 'click', at: nov(3, '10:01:00'), ...w21, visitor: 10 }),
];

/** Events that arrive with the next tick, on Nov 3rd and 4th. */
export const laterEvents: RawRow[] = [
  statEvent({ n: 19, type: 'print', at: nov(3, '15:00:00'), ...w20, mission: 10, visitor: 11 }),
  statEvent({ n: 20, type: 'click', at: nov(4, '08:00:00'), ...w20, mission: 10, visitor: 11 }),
  statEvent({ n: 21, type: 'print', at: nov(4, '09:00:00'), ...c30, mission: 10, visitor: 12 }),
];

export const rawTables: [table: string, rows: RawRow[]][] = [
  ['partners', partners],
  ['missions', missions],
  ['widgets', widgets],
  ['widget_missions', widgetMissions],
  ['campaigns', campaigns],
  ['stat_events', statEvents],
];
