/**
 * The demo's base data set: a few partners, their missions, widgets, campaigns and a month of tracking events.
 * Same seed and sizes → same rows (keys included), because identities restart on --reset and every value comes
 * from the seeded generator. Runs in one transaction: a failed seed leaves nothing behind.
 */
import type { ClientBase } from 'pg';
import { z } from 'zod';
import { Prng } from '../../workload/prng.ts';
import { CoreReferences, countRows, widgetMissionKey } from '../../workload/references.ts';
import {
  draftCampaign,
  draftMission,
  draftPartner,
  draftStatEvent,
  draftWidget,
  isoMicros,
} from './content.ts';
import { type CoreTable, coreTables, type InsertRow, insertRows } from './tables.ts';

const dayMs = 86_400_000;
const count = (fallback: number) => z.coerce.number().int().min(0).max(10_000_000).default(fallback);

export const seedOptionsSchema = z.object({
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(42),
  partners: z.coerce.number().int().min(1).max(100_000).default(20),
  missions: count(200),
  widgets: count(30),
  campaigns: count(10),
  statEvents: count(2_000),
  /** Share of missions whose description is large enough to be stored out of line. */
  largeTextRatio: z.coerce.number().min(0).max(1).default(0.05),
  /** Fixed by default so the seed is reproducible; pass a recent day for fresher-looking dashboards. */
  anchor: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2026-11-01')
    .default('2026-11-01'),
  reset: z.boolean().default(false),
});

export type SeedInput = z.input<typeof seedOptionsSchema>;
export type SeedOptions = z.output<typeof seedOptionsSchema>;

export interface SeedSummary {
  seeded: boolean;
  /** Why nothing was written, when seeded is false. */
  reason?: string;
  seed: number;
  counts: Record<CoreTable, number>;
}

/** A timestamp `daysAgo` before the anchor, with random microseconds. */
function stamp(rng: Prng, anchorMs: number, maxDaysAgo: number): string {
  const micros = (anchorMs - rng.next() * maxDaysAgo * dayMs) * 1000;
  return isoMicros(Math.floor(micros));
}

export async function seedCore(client: ClientBase, input: SeedInput = {}): Promise<SeedSummary> {
  const options = seedOptionsSchema.parse(input);
  const anchorMs = Date.parse(`${options.anchor}T00:00:00Z`);
  const root = new Prng(options.seed);
  // One stream per table, so changing one size does not reshuffle the rows of the others.
  const [partnerRng, missionRng, widgetRng, pinRng, campaignRng, eventRng] = [1, 2, 3, 4, 5, 6].map((s) =>
    root.fork(s),
  ) as [Prng, Prng, Prng, Prng, Prng, Prng];
  await client.query('BEGIN');
  try {
    if (options.reset) {
      await client.query(`TRUNCATE ${coreTables.join(', ')} RESTART IDENTITY CASCADE`);
    }
    const before = await countRows(client);
    if (coreTables.some((table) => before[table] > 0)) {
      await client.query('ROLLBACK');
      return {
        seeded: false,
        reason: 'core tables already hold rows; pass --reset to replace them',
        seed: options.seed,
        counts: before,
      };
    }
    const refs = new CoreReferences(options.statEvents);

    const partners = Array.from({ length: options.partners }, (_, i) => {
      const draft = draftPartner(partnerRng);
      // The first two partners guarantee someone publishes and someone spreads.
      if (i === 0) draft.is_announcer = true;
      if (i === 1 || options.partners === 1) draft.is_diffuser = true;
      return {
        ...draft,
        public_id: partnerRng.uuid(),
        created_at: stamp(partnerRng, anchorMs - 180 * dayMs, 400),
      };
    });
    for (const r of await insertRows(client, 'partners', partners, {
      returning: ['id', 'is_announcer', 'is_diffuser'],
    })) {
      refs.partners.add(r.id, { isAnnouncer: r.is_announcer, isDiffuser: r.is_diffuser });
    }
    const partnerIds = [...refs.partners.entries()];
    const announcers = partnerIds.filter(([, p]) => p.isAnnouncer).map(([id]) => id);
    const diffusers = partnerIds.filter(([, p]) => p.isDiffuser).map(([id]) => id);

    const missions = Array.from({ length: options.missions }, () => {
      const draft = draftMission(missionRng, {
        anchorMs,
        largeDescription: missionRng.chance(options.largeTextRatio),
      });
      const createdAt = stamp(missionRng, anchorMs, 120);
      return {
        ...draft,
        publisher_id: missionRng.pick(announcers),
        created_at: createdAt,
        published_at: createdAt,
      };
    });
    for (const r of await insertRows(client, 'missions', missions, {
      returning: ['id', 'publisher_id', 'client_id'],
    })) {
      refs.missions.add(r.id, { publisherId: r.publisher_id, clientId: r.client_id });
    }

    const widgets = Array.from({ length: options.widgets }, () => ({
      ...draftWidget(widgetRng),
      public_id: widgetRng.uuid(),
      diffuser_id: widgetRng.pick(diffusers),
      created_at: stamp(widgetRng, anchorMs, 200),
    }));
    for (const r of await insertRows(client, 'widgets', widgets, {
      returning: ['id', 'diffuser_id', 'public_id'],
    })) {
      refs.widgets.add(r.id, { diffuserId: r.diffuser_id, publicId: r.public_id });
    }

    const pins: InsertRow<'widget_missions'>[] = [];
    for (const [widgetId] of refs.widgets.entries()) {
      const pinned = new Set<string>();
      for (let i = pinRng.int(0, 8); i > 0 && refs.missions.size > 0; i--) {
        const mission = refs.missions.pick(pinRng.u32());
        if (!mission || pinned.has(mission.key)) continue;
        pinned.add(mission.key);
        pins.push({
          widget_id: widgetId,
          mission_id: mission.key,
          position: pinned.size,
          added_at: stamp(pinRng, anchorMs, 60),
        });
      }
    }
    for (const r of await insertRows(client, 'widget_missions', pins)) {
      refs.widgetMissions.add(widgetMissionKey(r.widget_id, r.mission_id), {
        widgetId: r.widget_id,
        missionId: r.mission_id,
      });
    }

    const campaigns = Array.from({ length: options.campaigns }, () => ({
      ...draftCampaign(campaignRng, anchorMs),
      public_id: campaignRng.uuid(),
      from_publisher_id: campaignRng.pick(diffusers),
      to_publisher_id: campaignRng.pick(announcers),
      created_at: stamp(campaignRng, anchorMs, 90),
    }));
    for (const r of await insertRows(client, 'campaigns', campaigns, {
      returning: ['id', 'from_publisher_id', 'to_publisher_id', 'public_id'],
    })) {
      refs.campaigns.add(r.id, {
        fromPublisherId: r.from_publisher_id,
        toPublisherId: r.to_publisher_id,
        publicId: r.public_id,
      });
    }

    // In time order, so an apply can follow a click that happened before it.
    const eventTimes = Array.from({ length: options.statEvents }, () => stamp(eventRng, anchorMs, 30)).sort();
    const events: InsertRow<'stat_events'>[] = [];
    for (const createdAt of eventTimes) {
      const draft = draftStatEvent(eventRng);
      const picks = {
        mission: eventRng.u32(),
        widget: eventRng.u32(),
        campaign: eventRng.u32(),
        partner: eventRng.u32(),
        click: eventRng.u32(),
      };
      const row = refs.resolveStatEvent(draft, picks);
      const id = eventRng.uuid();
      if (!row) continue;
      events.push({ ...row, id, created_at: createdAt });
      refs.addStatEvent(id, draft.type);
    }
    await insertRows(client, 'stat_events', events);

    const counts = await countRows(client);
    await client.query('COMMIT');
    return { seeded: true, seed: options.seed, counts };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
