/**
 * What the generators know about existing rows, so new rows reference real ones and updates and deletes hit
 * rows that exist. Shared by the seed (filled as it inserts) and the workload (loaded from the database).
 */
import type { StatEventDraft } from '../demo/domain/content.ts';
import { type CoreTable, coreTables, type InsertRow, type Queryable } from '../demo/domain/tables.ts';
import { KeyedPool } from './key-pool.ts';

export interface PartnerRef {
  isAnnouncer: boolean;
  isDiffuser: boolean;
}
export interface MissionRef {
  publisherId: string;
  clientId: string;
}
export interface WidgetRef {
  diffuserId: string;
  publicId: string;
}
export interface CampaignRef {
  fromPublisherId: string;
  toPublisherId: string;
  publicId: string;
}
export interface WidgetMissionRef {
  widgetId: string;
  missionId: string;
}

/** Plan-time numbers that choose the rows a stat event points at. */
export interface StatEventPicks {
  mission: number;
  widget: number;
  campaign: number;
  partner: number;
  click: number;
}

/** Applies and accounts follow a recent click; older clicks are forgotten to bound memory. */
const recentClickLimit = 1_000;

export function widgetMissionKey(widgetId: string, missionId: string): string {
  return `${widgetId}:${missionId}`;
}

export class CoreReferences {
  readonly partners = new KeyedPool<PartnerRef>();
  readonly missions = new KeyedPool<MissionRef>();
  readonly widgets = new KeyedPool<WidgetRef>();
  readonly widgetMissions = new KeyedPool<WidgetMissionRef>();
  readonly campaigns = new KeyedPool<CampaignRef>();
  /** A sample of the stat events (the table can be far too big to hold); `statEventLimit` bounds it. */
  readonly statEvents = new KeyedPool<true>();
  private readonly recentClicks: string[] = [];
  private evictions = 0;

  constructor(private readonly statEventLimit = 20_000) {}

  addStatEvent(id: string, type: StatEventDraft['type']): void {
    if (this.statEvents.size >= this.statEventLimit) {
      // Spread evictions over the pool: a fixed slot would, after swap-removes, always evict the newest event.
      this.evictions += 1;
      const evicted = this.statEvents.pick(Math.imul(this.evictions, 0x9e3779b1) >>> 0);
      if (evicted) this.statEvents.remove(evicted.key);
    }
    this.statEvents.add(id, true);
    if (type === 'click') {
      this.recentClicks.push(id);
      if (this.recentClicks.length > recentClickLimit) this.recentClicks.shift();
    }
  }

  clearStatEvents(): void {
    this.statEvents.clear();
    this.recentClicks.length = 0;
  }

  /** Forgets a mission and the pins that pointed at it (the delete cascades to them). */
  removeMission(missionId: string): void {
    this.missions.remove(missionId);
    for (const [key, pin] of [...this.widgetMissions.entries()]) {
      if (pin.missionId === missionId) this.widgetMissions.remove(key);
    }
  }

  recentClick(pick: number): string | undefined {
    return this.recentClicks.length === 0 ? undefined : this.recentClicks[pick % this.recentClicks.length];
  }

  /**
   * Turns a drafted event into a row whose partners, mission, widget and campaign agree with each other the way
   * the tracker would record them; undefined when there is no partner to attribute it to.
   */
  resolveStatEvent(
    draft: StatEventDraft,
    picks: StatEventPicks,
  ): Omit<InsertRow<'stat_events'>, 'id' | 'created_at'> | undefined {
    const mission = this.missions.pick(picks.mission);
    let toPublisherId = mission?.value.publisherId;
    let fromPublisherId: string | undefined;
    let widgetId: string | null = null;
    let campaignId: string | null = null;
    let sourceId: string | null = null;
    const widget = draft.source === 'widget' ? this.widgets.pick(picks.widget) : undefined;
    const campaign = draft.source === 'campaign' ? this.campaigns.pick(picks.campaign) : undefined;
    if (widget) {
      fromPublisherId = widget.value.diffuserId;
      widgetId = widget.key;
      sourceId = widget.value.publicId;
    } else if (campaign) {
      fromPublisherId = campaign.value.fromPublisherId;
      toPublisherId = campaign.value.toPublisherId;
      campaignId = campaign.key;
      sourceId = campaign.value.publicId;
    } else if (draft.source === 'publisher') {
      fromPublisherId = toPublisherId;
    }
    fromPublisherId ??= this.partners.pick(picks.partner)?.key;
    toPublisherId ??= this.partners.pick(picks.mission)?.key;
    if (fromPublisherId === undefined || toPublisherId === undefined) return undefined;
    if (draft.source === 'api') sourceId = `api-key-${fromPublisherId}`;
    // A campaign promotes one announcer: an event naming another announcer's mission would be inconsistent.
    const attributedMission = mission && mission.value.publisherId === toPublisherId ? mission : undefined;
    const followsClick = draft.type === 'apply' || draft.type === 'account';
    return {
      type: draft.type,
      source: draft.source,
      source_id: sourceId,
      from_publisher_id: fromPublisherId,
      to_publisher_id: toPublisherId,
      mission_id: attributedMission?.key ?? null,
      mission_client_id: attributedMission?.value.clientId ?? null,
      widget_id: widgetId,
      campaign_id: campaignId,
      click_id: followsClick ? (this.recentClick(picks.click) ?? null) : null,
      host: draft.host,
      referer: draft.referer,
      user_agent: draft.user_agent,
      ip: draft.ip,
      user_fingerprint: draft.user_fingerprint,
      is_bot: draft.is_bot,
      custom_attributes: draft.custom_attributes,
    };
  }
}

/** Reads the current rows (a recent sample of stat events) in key order, so the same state gives the same pools. */
export async function loadReferences(client: Queryable, statEventSample: number): Promise<CoreReferences> {
  const refs = new CoreReferences(statEventSample);
  const partners = await client.query('SELECT id, is_announcer, is_diffuser FROM partners ORDER BY id');
  for (const r of partners.rows)
    refs.partners.add(r.id, { isAnnouncer: r.is_announcer, isDiffuser: r.is_diffuser });
  const missions = await client.query('SELECT id, publisher_id, client_id FROM missions ORDER BY id');
  for (const r of missions.rows)
    refs.missions.add(r.id, { publisherId: r.publisher_id, clientId: r.client_id });
  const widgets = await client.query('SELECT id, diffuser_id, public_id FROM widgets ORDER BY id');
  for (const r of widgets.rows) refs.widgets.add(r.id, { diffuserId: r.diffuser_id, publicId: r.public_id });
  const pins = await client.query(
    'SELECT widget_id, mission_id FROM widget_missions ORDER BY widget_id, mission_id',
  );
  for (const r of pins.rows) {
    refs.widgetMissions.add(widgetMissionKey(r.widget_id, r.mission_id), {
      widgetId: r.widget_id,
      missionId: r.mission_id,
    });
  }
  const campaigns = await client.query(
    'SELECT id, from_publisher_id, to_publisher_id, public_id FROM campaigns ORDER BY id',
  );
  for (const r of campaigns.rows) {
    refs.campaigns.add(r.id, {
      fromPublisherId: r.from_publisher_id,
      toPublisherId: r.to_publisher_id,
      publicId: r.public_id,
    });
  }
  // Oldest first within the sample, so recent clicks end up last like they would have been added live.
  const events = await client.query(
    `SELECT id, type FROM (
       SELECT id, type, created_at FROM stat_events ORDER BY created_at DESC, id DESC LIMIT $1
     ) recent ORDER BY created_at, id`,
    [statEventSample],
  );
  for (const r of events.rows) refs.addStatEvent(r.id, r.type);
  return refs;
}

/** Exact live row counts, the baseline the workload's expected counts start from. */
export async function countRows(client: Queryable): Promise<Record<CoreTable, number>> {
  const selects = coreTables.map(
    (table) => `SELECT '${table}' AS table_name, count(*)::bigint AS n FROM ${table}`,
  );
  const result = await client.query(selects.join(' UNION ALL '));
  const counts = Object.fromEntries(coreTables.map((table) => [table, 0])) as Record<CoreTable, number>;
  for (const row of result.rows) counts[row.table_name as CoreTable] = Number(row.n);
  return counts;
}
