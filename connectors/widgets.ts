/** Widgets a diffuser embeds: configuration only, no personal data. */
import { defineConnector } from './define.ts';

export const widgets = defineConnector({
  name: 'widgets',
  source: { schema: 'public', table: 'widgets' },
  destination: { table: 'widgets' },
});
