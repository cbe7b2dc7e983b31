/**
 * Runs one planned operation inside the caller's transaction. Every row count comes from PostgreSQL (rowCount or
 * RETURNING), never from what the plan intended, so the report stays true when a pick lands on a row that an
 * earlier operation of the same transaction already deleted.
 */
import type { ClientBase } from 'pg';
import { insertColumns, insertRows } from '../demo/domain/tables.ts';
import type { MissionChange, Operation } from './plan.ts';
import { type CoreReferences, widgetMissionKey } from './references.ts';
import type { TxChanges } from './report.ts';

/** Lets the database fill ids and timestamps: the workload's rows look like the application's. */
const withoutGenerated = (columns: readonly string[]) =>
  columns.filter((c) => !['id', 'public_id', 'created_at', 'added_at'].includes(c));

async function deleteMission(client: ClientBase, refs: CoreReferences, tx: TxChanges, missionId: string) {
  // Explicit rather than left to ON DELETE: the report must count the pins removed and the events detached.
  const pins = await client.query('DELETE FROM widget_missions WHERE mission_id = $1 RETURNING widget_id', [
    missionId,
  ]);
  tx.record(
    'widget_missions',
    'deleted',
    pins.rowCount ?? 0,
    pins.rows.map((r) => widgetMissionKey(r.widget_id, missionId)),
  );
  const detached = await client.query('UPDATE stat_events SET mission_id = NULL WHERE mission_id = $1', [
    missionId,
  ]);
  tx.record('stat_events', 'updated', detached.rowCount ?? 0);
  const deleted = await client.query('DELETE FROM missions WHERE id = $1', [missionId]);
  tx.record('missions', 'deleted', deleted.rowCount ?? 0, [missionId]);
  refs.removeMission(missionId);
}

/**
 * Publishers re-send their whole feed: a mission they already sent (same client id) is updated in place. That also
 * lets the same seed run twice against one database, since its drafted client ids repeat.
 */
const missionFeedUpsert = `ON CONFLICT (publisher_id, client_id) DO UPDATE SET
  title = EXCLUDED.title, description = EXCLUDED.description, status = EXCLUDED.status, domain = EXCLUDED.domain,
  domains = EXCLUDED.domains, tags = EXCLUDED.tags, address = EXCLUDED.address, places = EXCLUDED.places,
  compensation = EXCLUDED.compensation, start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date`;

const missionChangeSql = {
  status: 'UPDATE missions SET status = $2 WHERE id = $1',
  places: 'UPDATE missions SET places = $2 WHERE id = $1',
  description: 'UPDATE missions SET description = $2 WHERE id = $1',
  tags: `UPDATE missions SET tags = $2, metadata = metadata || jsonb_build_object('reviewedBy', $3::text) WHERE id = $1`,
  compensation: 'UPDATE missions SET compensation = $2 WHERE id = $1',
} as const;

function missionChangeValues(change: MissionChange): unknown[] {
  switch (change.field) {
    case 'status':
      return [change.status];
    case 'places':
      return [change.places];
    case 'description':
      return [change.description];
    case 'tags':
      return [change.tags, change.reviewedBy];
    case 'compensation':
      return [change.compensation];
  }
}

/** Returns false when the operation found nothing to act on. */
export async function runOperation(
  client: ClientBase,
  refs: CoreReferences,
  op: Operation,
  tx: TxChanges,
): Promise<boolean> {
  switch (op.kind) {
    case 'insert_partner': {
      const columns = withoutGenerated(insertColumns.partners);
      const [row] = await insertRows(client, 'partners', [op.draft], {
        columns,
        returning: ['id', 'is_announcer', 'is_diffuser'],
      });
      if (!row) return false;
      tx.record('partners', 'inserted', 1, [row.id]);
      refs.partners.add(row.id, { isAnnouncer: row.is_announcer, isDiffuser: row.is_diffuser });
      return true;
    }
    case 'insert_mission': {
      const publisher = refs.partners.pick(op.publisherPick);
      if (!publisher) return false;
      const row = { ...op.draft, publisher_id: publisher.key, published_at: new Date() };
      const columns = withoutGenerated(insertColumns.missions);
      const [upserted] = await insertRows(client, 'missions', [row], {
        columns,
        onConflict: missionFeedUpsert,
        returning: ['id', '(xmax = 0) AS inserted'],
      });
      if (!upserted) return false;
      tx.record('missions', upserted.inserted ? 'inserted' : 'updated', 1, [upserted.id]);
      refs.missions.add(upserted.id, { publisherId: publisher.key, clientId: op.draft.client_id });
      return true;
    }
    case 'insert_widget': {
      const diffuser = refs.partners.pick(op.diffuserPick);
      if (!diffuser) return false;
      const columns = withoutGenerated(insertColumns.widgets);
      const [row] = await insertRows(client, 'widgets', [{ ...op.draft, diffuser_id: diffuser.key }], {
        columns,
        returning: ['id', 'public_id'],
      });
      if (!row) return false;
      tx.record('widgets', 'inserted', 1, [row.id]);
      refs.widgets.add(row.id, { diffuserId: diffuser.key, publicId: row.public_id });
      return true;
    }
    case 'insert_widget_mission': {
      const widget = refs.widgets.pick(op.widgetPick);
      const mission = refs.missions.pick(op.missionPick);
      if (!widget || !mission) return false;
      const result = await client.query(
        `INSERT INTO widget_missions (widget_id, mission_id, position) VALUES ($1, $2, $3)
         ON CONFLICT (widget_id, mission_id) DO NOTHING`,
        [widget.key, mission.key, op.position],
      );
      const key = widgetMissionKey(widget.key, mission.key);
      tx.record('widget_missions', 'inserted', result.rowCount ?? 0, [key]);
      refs.widgetMissions.add(key, { widgetId: widget.key, missionId: mission.key });
      return true;
    }
    case 'insert_campaign': {
      const from = refs.partners.pick(op.fromPick);
      const to = refs.partners.pick(op.toPick);
      if (!from || !to) return false;
      const row = { ...op.draft, from_publisher_id: from.key, to_publisher_id: to.key };
      const columns = withoutGenerated(insertColumns.campaigns);
      const [inserted] = await insertRows(client, 'campaigns', [row], {
        columns,
        returning: ['id', 'public_id'],
      });
      if (!inserted) return false;
      tx.record('campaigns', 'inserted', 1, [inserted.id]);
      refs.campaigns.add(inserted.id, {
        fromPublisherId: from.key,
        toPublisherId: to.key,
        publicId: inserted.public_id,
      });
      return true;
    }
    case 'insert_stat_event': {
      const row = refs.resolveStatEvent(op.draft, op.picks);
      if (!row) return false;
      const columns = withoutGenerated(insertColumns.stat_events);
      const [inserted] = await insertRows(client, 'stat_events', [row], { columns, returning: ['id'] });
      if (!inserted) return false;
      tx.record('stat_events', 'inserted', 1, [inserted.id]);
      refs.addStatEvent(inserted.id, op.draft.type);
      return true;
    }
    case 'update_partner': {
      const partner = refs.partners.pick(op.pick);
      if (!partner) return false;
      const result = await client.query('UPDATE partners SET commission_rate = $2 WHERE id = $1', [
        partner.key,
        op.commissionRate,
      ]);
      tx.record('partners', 'updated', result.rowCount ?? 0, [partner.key]);
      return true;
    }
    case 'update_mission': {
      const mission = refs.missions.pick(op.pick);
      if (!mission) return false;
      const result = await client.query(missionChangeSql[op.change.field], [
        mission.key,
        ...missionChangeValues(op.change),
      ]);
      tx.record('missions', 'updated', result.rowCount ?? 0, [mission.key]);
      return true;
    }
    case 'update_widget': {
      const widget = refs.widgets.pick(op.pick);
      if (!widget) return false;
      const result = await client.query('UPDATE widgets SET is_active = $2, color = $3 WHERE id = $1', [
        widget.key,
        op.isActive,
        op.color,
      ]);
      tx.record('widgets', 'updated', result.rowCount ?? 0, [widget.key]);
      return true;
    }
    case 'update_campaign_budget': {
      const campaign = refs.campaigns.pick(op.pick);
      if (!campaign) return false;
      const result = await client.query(
        'UPDATE campaigns SET budget = GREATEST(0, budget + $2::numeric), spent = spent + $3::numeric WHERE id = $1',
        [campaign.key, op.budgetDelta, op.spentDelta],
      );
      tx.record('campaigns', 'updated', result.rowCount ?? 0, [campaign.key]);
      return true;
    }
    case 'flag_stat_event_bot': {
      const event = refs.statEvents.pick(op.pick);
      if (!event) return false;
      const result = await client.query('UPDATE stat_events SET is_bot = true WHERE id = $1', [event.key]);
      tx.record('stat_events', 'updated', result.rowCount ?? 0, [event.key]);
      return true;
    }
    case 'delete_mission': {
      const mission = refs.missions.pick(op.pick);
      if (!mission) return false;
      await deleteMission(client, refs, tx, mission.key);
      return true;
    }
    case 'delete_widget_mission': {
      const pin = refs.widgetMissions.pick(op.pick);
      if (!pin) return false;
      const result = await client.query(
        'DELETE FROM widget_missions WHERE widget_id = $1 AND mission_id = $2',
        [pin.value.widgetId, pin.value.missionId],
      );
      tx.record('widget_missions', 'deleted', result.rowCount ?? 0, [pin.key]);
      refs.widgetMissions.remove(pin.key);
      return true;
    }
    case 'delete_stat_event': {
      const event = refs.statEvents.pick(op.pick);
      if (!event) return false;
      const result = await client.query('DELETE FROM stat_events WHERE id = $1', [event.key]);
      tx.record('stat_events', 'deleted', result.rowCount ?? 0, [event.key]);
      refs.statEvents.remove(event.key);
      return true;
    }
    case 'truncate_stat_events': {
      await client.query('TRUNCATE stat_events');
      tx.truncated('stat_events');
      refs.clearStatEvents();
      return true;
    }
  }
}
