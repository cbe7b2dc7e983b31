/**
 * Which failures the workload waits out. The pipeline's classifier (lib/errors) decides for everything it knows;
 * the workload adds one case of its own, because for a load generator it is worth another attempt:
 * a foreign-key violation means another writer deleted a row the workload still believed in: after a resync
 *   of what it knows, the same transaction resolves to rows that exist.
 */
import { causeChain, classifyError } from '../../lib/errors/index.ts';

const foreignKeyViolation = '23503';

export function isTransient(error: unknown): boolean {
  if (classifyError(error) === 'retry') return true;
  for (const link of causeChain(error)) {
    if (!(link instanceof Error)) continue;
    if ((link as { code?: unknown }).code === foreignKeyViolation) return true;
  }
  return false;
}
