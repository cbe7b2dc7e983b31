/**
 * MessageSender that produces from a worker thread (sender-worker.ts, @platformatic/kafka): the reader's own
 * thread then only decodes, maps and encodes, which is what bounds its throughput; Kafka request encoding,
 * CRCs and the client's garbage move to the machine's other core.
 *
 * Semantics are PlatformaticSender's: `send` resolves once Kafka acknowledged every message (acks=all), and
 * BatchingProducer keeps one send in flight, so ordering is unchanged. If the worker dies, every pending and
 * later call fails with a non-retriable error, which ends the reader's run (the service restarts it from the
 * durable position: nothing unacknowledged was confirmed).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { PipelineError } from '../../../lib/errors/index.ts';
import { encodeBatches } from './batch-codec.ts';
import type { TopicBatch } from './batching-producer.ts';
import type { ConnectedSender } from './create-sender.ts';
import type { PlatformaticSenderOptions } from './platformatic-sender.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

type Pending = { resolve: () => void; reject: (error: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

/**
 * The worker runs the same build as this file: compiled JavaScript in production; TypeScript in development
 * and tests, loaded through tsx's API (on Node 20 a worker ignores `--import tsx` for its own entry file).
 */
function startWorker(options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sender-worker.js', import.meta.url), options);
  const entry = new URL('./sender-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export class WorkerSender implements ConnectedSender {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(private readonly options: PlatformaticSenderOptions) {}

  async connect(): Promise<void> {
    const worker = startWorker({
      workerData: this.options,
      // Its heap holds one batch in flight and the client's buffers; a leak there must not grow unbounded.
      resourceLimits: { maxOldGenerationSizeMb: 96 },
    });
    this.worker = worker;
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`exited with code ${code}`)));
    await this.request({ kind: 'connect' });
  }

  send(batches: TopicBatch[]): Promise<void> {
    const buffer = encodeBatches(batches);
    return this.request({ kind: 'send', batches: buffer }, [buffer]);
  }

  async disconnect(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    if (!this.failure) await this.request({ kind: 'disconnect' }).catch(() => undefined);
    this.failure ??= new PipelineError('INTERNAL', 'producing worker: disconnected');
    await worker.terminate();
    this.worker = undefined;
  }

  private request(request: Request, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const worker = this.worker;
    if (!worker) return Promise.reject(new PipelineError('INTERNAL', 'producing worker: not connected'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id }, transfer);
    });
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (!reply.error) {
      pending.resolve();
      return;
    }
    const { code, message, retriable, details } = reply.error;
    pending.reject(new PipelineError(code, message, { retriable, details }));
  }

  /** The worker is gone: nothing it had will be acknowledged, and nothing more can be sent through it. */
  private fail(cause: Error): void {
    if (this.failure) return;
    this.failure = new PipelineError('INTERNAL', `producing worker failed: ${cause.message}`, { cause });
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }
}
