/**
 * Keyed pseudonyms: HMAC-SHA256 of the text value, hex. Stable for a given key (joins and distinct counts
 * still work downstream), not reversible without the key, and different under another key (so a leaked
 * table cannot be matched against a dictionary without it).
 */
import { createHmac } from 'node:crypto';

export type PseudonymisationKey = string | Buffer;

export function pseudonymise(text: string, key: PseudonymisationKey): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}
