/** The notifier when no webhook is configured: alerts stay in the logs, metrics and Sentry. */
import type { Notifier } from './types.ts';

export const noopNotifier: Notifier = {
  notify: () => undefined,
  close: async () => undefined,
};
