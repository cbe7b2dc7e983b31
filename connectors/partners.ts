/**
 * Partners (announcers and diffusers). `email` is a contact address, often a named person's: analytics counts
 * and segments partners but never contacts them, so it is excluded (never published).
 */
import { defineConnector } from './define.ts';

export const partners = defineConnector({
  name: 'partners',
  source: { schema: 'public', table: 'partners' },
  columns: { mode: 'all', exclude: ['email'] },
  destination: { table: 'partners' },
});
