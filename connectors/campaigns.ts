/** Tracked campaigns between partners: business data, no personal data. */
import { defineConnector } from './define.ts';

export const campaigns = defineConnector({
  name: 'campaigns',
  source: { schema: 'public', table: 'campaigns' },
  destination: { table: 'campaigns' },
});
