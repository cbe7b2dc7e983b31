/**
 * Missions: public listings (title, description, address of the organisation), no personal data. Every column,
 * so new columns flow without a publication change (no column list; see README.md).
 */
import { defineConnector } from './define.ts';

export const missions = defineConnector({
  name: 'missions',
  source: { schema: 'public', table: 'missions' },
  destination: { table: 'missions' },
});
