/**
 * Tracking events: the one table with visitors' personal data.
 * - `ip`, `user_agent`: excluded; they never leave the core database (publication column list). Bot filtering
 *   happens in the core (`is_bot`), so analytics has no use for them.
 * - `referer`: excluded; a full URL can carry anything in its query string (e-mails, tokens). `host` keeps the
 *   site an event came from.
 * - `user_fingerprint`: pseudonymised (keyed HMAC), so analytics can still count distinct visitors and follow a
 *   click to its apply without seeing the fingerprint.
 */
import { defineConnector } from './define.ts';

export const statEvents = defineConnector({
  name: 'stat_events',
  source: { schema: 'public', table: 'stat_events' },
  columns: { mode: 'all', exclude: ['ip', 'user_agent', 'referer'], pseudonymise: ['user_fingerprint'] },
  destination: { table: 'stat_events' },
});
