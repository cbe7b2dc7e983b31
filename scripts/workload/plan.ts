/**
 * The plan: which operations each transaction performs, with every random choice made up front. It depends only
 * on the seed and the options, never on the database, so a seed replays the same workload; rows are chosen by
 * "pick" numbers resolved against the rows that exist when the operation runs.
 */
import {
  type CampaignDraft,
  draftCampaign,
  draftMission,
  draftPartner,
  draftStatEvent,
  draftWidget,
  largeDescriptionBytes,
  type MissionDraft,
  missionStatuses,
  type PartnerDraft,
  prose,
  type StatEventDraft,
  type WidgetDraft,
} from '../demo/domain/content.ts';
import type { CoreTable } from '../demo/domain/tables.ts';
import { missionTags } from '../demo/domain/vocabulary.ts';
import { type Action, actions, tableWeights, type WorkloadOptions } from './options.ts';
import { Prng } from './prng.ts';
import type { StatEventPicks } from './references.ts';

export type MissionChange =
  | { field: 'status'; status: (typeof missionStatuses)[number] }
  | { field: 'places'; places: number }
  | { field: 'description'; description: string }
  | { field: 'tags'; tags: string[]; reviewedBy: string }
  | { field: 'compensation'; compensation: string | null };

export type Operation =
  | { kind: 'insert_partner'; draft: PartnerDraft }
  | { kind: 'insert_mission'; draft: MissionDraft; publisherPick: number }
  | { kind: 'insert_widget'; draft: WidgetDraft; diffuserPick: number }
  | { kind: 'insert_widget_mission'; widgetPick: number; missionPick: number; position: number }
  | { kind: 'insert_campaign'; draft: CampaignDraft; fromPick: number; toPick: number }
  | { kind: 'insert_stat_event'; draft: StatEventDraft; picks: StatEventPicks }
  | { kind: 'update_partner'; pick: number; commissionRate: string | null }
  | { kind: 'update_mission'; pick: number; change: MissionChange }
  | { kind: 'update_widget'; pick: number; isActive: boolean; color: string }
  | { kind: 'update_campaign_budget'; pick: number; budgetDelta: string; spentDelta: string }
  | { kind: 'flag_stat_event_bot'; pick: number }
  | { kind: 'delete_mission'; pick: number }
  | { kind: 'delete_widget_mission'; pick: number }
  | { kind: 'delete_stat_event'; pick: number }
  | { kind: 'truncate_stat_events' };

export type PlanSettings = Pick<WorkloadOptions, 'mix' | 'txSize' | 'tables' | 'largeTextRatio' | 'anchorMs'>;

function cents(rng: Prng, maxEuros: number): string {
  return `${rng.int(0, maxEuros)}.${String(rng.int(0, 99)).padStart(2, '0')}`;
}

function planMissionChange(rng: Prng, settings: PlanSettings): MissionChange {
  if (rng.chance(settings.largeTextRatio)) {
    return { field: 'description', description: prose(rng, largeDescriptionBytes) };
  }
  // Most changes leave the description alone: on a row whose description is out of line, that is the
  // "unchanged TOAST" case the pipeline must not turn into a null.
  return rng.weighted<() => MissionChange>([
    [() => ({ field: 'status', status: rng.pick(missionStatuses) }), 35],
    [() => ({ field: 'places', places: rng.int(0, 40) }), 25],
    [() => ({ field: 'tags', tags: [rng.pick(missionTags)], reviewedBy: `moderator-${rng.int(1, 9)}` }), 15],
    [() => ({ field: 'compensation', compensation: rng.chance(0.3) ? null : cents(rng, 900) }), 10],
    [() => ({ field: 'description', description: prose(rng, rng.int(200, 2_000)) }), 15],
  ])();
}

function planOperation(rng: Prng, action: Action, table: CoreTable, settings: PlanSettings): Operation {
  const key = `${action}:${table}`;
  switch (key) {
    case 'insert:partners':
      return { kind: 'insert_partner', draft: draftPartner(rng) };
    case 'insert:missions':
      return {
        kind: 'insert_mission',
        draft: draftMission(rng, {
          anchorMs: settings.anchorMs,
          largeDescription: rng.chance(settings.largeTextRatio),
        }),
        publisherPick: rng.u32(),
      };
    case 'insert:widgets':
      return { kind: 'insert_widget', draft: draftWidget(rng), diffuserPick: rng.u32() };
    case 'insert:widget_missions':
      return {
        kind: 'insert_widget_mission',
        widgetPick: rng.u32(),
        missionPick: rng.u32(),
        position: rng.int(0, 20),
      };
    case 'insert:campaigns':
      return {
        kind: 'insert_campaign',
        draft: draftCampaign(rng, settings.anchorMs),
        fromPick: rng.u32(),
        toPick: rng.u32(),
      };
    case 'insert:stat_events': {
      const draft = draftStatEvent(rng);
      const picks = {
        mission: rng.u32(),
        widget: rng.u32(),
        campaign: rng.u32(),
        partner: rng.u32(),
        click: rng.u32(),
      };
      return { kind: 'insert_stat_event', draft, picks };
    }
    case 'update:partners':
      return {
        kind: 'update_partner',
        pick: rng.u32(),
        commissionRate: rng.chance(0.1) ? null : `0.${rng.int(1, 99_999_999)}`,
      };
    case 'update:missions':
      return { kind: 'update_mission', pick: rng.u32(), change: planMissionChange(rng, settings) };
    case 'update:widgets':
      return {
        kind: 'update_widget',
        pick: rng.u32(),
        isActive: rng.chance(0.8),
        color: `#${rng.u32().toString(16).padStart(8, '0').slice(0, 6)}`,
      };
    case 'update:campaigns':
      return {
        kind: 'update_campaign_budget',
        pick: rng.u32(),
        budgetDelta: `${rng.chance(0.2) ? '-' : ''}${cents(rng, 2_000)}`,
        spentDelta: cents(rng, 150),
      };
    case 'update:stat_events':
      return { kind: 'flag_stat_event_bot', pick: rng.u32() };
    case 'delete:missions':
      return { kind: 'delete_mission', pick: rng.u32() };
    case 'delete:widget_missions':
      return { kind: 'delete_widget_mission', pick: rng.u32() };
    case 'delete:stat_events':
      return { kind: 'delete_stat_event', pick: rng.u32() };
    case 'truncate:stat_events':
      return { kind: 'truncate_stat_events' };
    default:
      throw new Error(`no operation for ${key}; tableWeights and planOperation disagree`);
  }
}

/** Draws one transaction's operations. */
export function planTransaction(rng: Prng, settings: PlanSettings): Operation[] {
  const actionWeights = actions
    .map((action) => {
      const tables = settings.tables.filter((table) => (tableWeights[action][table] ?? 0) > 0);
      return [action, tables.length > 0 ? settings.mix[action] : 0] as const;
    })
    .filter(([, weight]) => weight > 0);
  const size = rng.int(settings.txSize.min, settings.txSize.max);
  return Array.from({ length: size }, () => {
    const action = rng.weighted(actionWeights);
    const table = rng.weighted(settings.tables.map((t) => [t, tableWeights[action][t] ?? 0] as const));
    return planOperation(rng, action, table, settings);
  });
}

/** A stream of planned transactions: the same seed and settings always yield the same sequence. */
export class WorkloadPlan {
  private readonly rng: Prng;

  constructor(
    seed: number,
    private readonly settings: PlanSettings,
  ) {
    this.rng = new Prng(seed);
  }

  nextTransaction(): Operation[] {
    return planTransaction(this.rng, this.settings);
  }

  take(transactions: number): Operation[][] {
    return Array.from({ length: transactions }, () => this.nextTransaction());
  }
}
