import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run) uses: tests own their topics, slots, subjects and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the test setup should have brought the stack up)`);
  return value;
}
