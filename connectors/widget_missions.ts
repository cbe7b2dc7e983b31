/** Missions pinned in a widget. Composite primary key (widget_id, mission_id): a two-column Kafka key. */
import { defineConnector } from './define.ts';

export const widgetMissions = defineConnector({
  name: 'widget_missions',
  source: { schema: 'public', table: 'widget_missions' },
  destination: { table: 'widget_missions' },
});
