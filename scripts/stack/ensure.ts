/**
 * Programmatic entry for test set-up: brings the native stack up unless it is already healthy, and returns the
 * connection variables. Progress goes to stderr only, so a test runner's stdout stays clean.
 */
import { progress } from './install.ts';
import { status, up } from './lifecycle.ts';
import { connectionEnv } from './topology.ts';

export async function ensureStack(): Promise<Record<string, string>> {
  const current = await status();
  if (!current.every((service) => service.health.ok)) {
    const down = current.filter((service) => !service.health.ok).map((service) => service.service);
    progress(`bringing the local stack up (not healthy: ${down.join(', ')})`);
    await up();
  }
  return connectionEnv();
}
