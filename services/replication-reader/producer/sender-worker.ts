/**
 * The producing worker thread (started by worker-sender.ts): runs the @platformatic/kafka producer, so its
 * request encoding and its garbage stay off the thread that decodes the replication stream.
 * Requests and replies are plain messages; batches arrive as transferred buffers (batch-codec.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PipelineError } from '../../../lib/errors/index.ts';
import { decodeBatches } from './batch-codec.ts';
import { PlatformaticSender, type PlatformaticSenderOptions } from './platformatic-sender.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('sender-worker.ts runs as a worker thread (see worker-sender.ts)');
const sender = new PlatformaticSender(workerData as PlatformaticSenderOptions);

function failure(error: unknown): WorkerReply['error'] {
  if (error instanceof PipelineError) {
    return { code: error.code, message: error.message, retriable: error.retriable, details: error.details };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `producing worker: ${message}`, retriable: false, details: {} };
}

async function handle(request: WorkerRequest): Promise<void> {
  try {
    if (request.kind === 'connect') await sender.connect();
    else if (request.kind === 'send') await sender.send(decodeBatches(request.batches));
    else await sender.disconnect();
    port?.postMessage({ id: request.id } satisfies WorkerReply);
  } catch (error) {
    port?.postMessage({ id: request.id, error: failure(error) } satisfies WorkerReply);
  }
  if (request.kind === 'disconnect') port?.close();
}

port.on('message', (request: WorkerRequest) => void handle(request));
