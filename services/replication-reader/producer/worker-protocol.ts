/** Messages between worker-sender.ts (the reader's thread) and sender-worker.ts (the producing thread). */
import type { ErrorCode } from '../../../lib/errors/index.ts';

export type WorkerRequest =
  | { id: number; kind: 'connect' }
  | { id: number; kind: 'send'; batches: ArrayBuffer }
  | { id: number; kind: 'disconnect' };

export interface WorkerReply {
  id: number;
  /** A PipelineError's fields: errors cross threads as data, and are rebuilt on the other side. */
  error?: { code: ErrorCode; message: string; retriable: boolean; details: Record<string, unknown> };
}
