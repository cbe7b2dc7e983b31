/**
 * The repository's widget_missions connector with hard deletes, for the chaos run's sinks (hooks.mjs): a
 * deleted pin leaves no raw row, and the deletion ledger (cdc.deleted_rows) keeps late older versions out.
 */
import { defineConnector } from '../../../connectors/define.ts';
import { widgetMissions as repository } from '../../../connectors/widget_missions.ts';

export const widgetMissions = defineConnector({
  ...repository,
  destination: { ...repository.destination, deletes: 'hard' },
});
