/**
 * Batches change messages by size and time and sends them to Kafka one batch at a time, with bounded memory.
 *
 * - One send in flight: a failed batch is retried (with backoff) before anything newer goes out, so the
 *   per-key order of the stream is the order in Kafka, even across broker failures.
 * - While a batch is in flight, the next one fills up: throughput comes from batch size, not from concurrency.
 * - `enqueue` resolves only while the buffer is under its byte budget; past it, the caller waits. The reader
 *   awaits `enqueue` before reading the next WAL message, which pauses the replication socket: backpressure
 *   reaches PostgreSQL instead of growing memory.
 * - `onAcked` runs, in order, once Kafka has acknowledged the message with acks=all: that is what lets the
 *   reader confirm a WAL position.
 */
import { PipelineError } from '../../../lib/errors/index.ts';
import { withBackoff } from '../../../lib/retry/backoff.ts';

export interface OutgoingMessage {
  topic: string;
  key: Buffer;
  /** null: a tombstone, so compaction eventually removes the key. */
  value: Buffer | null;
  headers?: Record<string, string>;
  /** Explicit partition (a truncate goes to every partition); default: by key hash. */
  partition?: number;
  onAcked?: () => void;
}

export interface TopicBatch {
  topic: string;
  messages: { key: Buffer; value: Buffer | null; headers?: Record<string, string>; partition?: number }[];
}

/** The Kafka side, as small as the producer needs (kafkajs adapter in kafka-sender.ts). */
export interface MessageSender {
  /** Resolves when every message is acknowledged by all in-sync replicas. */
  send(batches: TopicBatch[]): Promise<void>;
}

export interface BatchingOptions {
  maxBatchMessages: number;
  maxBatchBytes: number;
  /** How long a non-full batch waits for company before it is sent. */
  lingerMs: number;
  /** Byte budget of everything buffered and in flight; `enqueue` waits beyond it. */
  maxBufferedBytes: number;
  /**
   * Message budget, for the same purpose: each buffered message costs far more heap than its encoded bytes
   * (buffers, headers, the acknowledgement callback), so small messages must be bounded by count too.
   */
  maxBufferedMessages?: number;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Measured after each acknowledged batch, for metrics. */
  onBatchSent?: (stats: { messages: number; bytes: number; seconds: number }) => void;
}

export const defaultBatchingOptions: BatchingOptions = {
  maxBatchMessages: 1_000,
  maxBatchBytes: 1024 * 1024,
  lingerMs: 10,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxBufferedMessages: 20_000,
  retry: { attempts: 30, initialDelayMs: 200, maxDelayMs: 10_000 },
};

const perMessageOverheadBytes = 64;

export function messageBytes(message: OutgoingMessage): number {
  let size = perMessageOverheadBytes + message.key.length + (message.value?.length ?? 0);
  const headers = message.headers;
  if (headers) for (const name in headers) size += name.length + (headers[name] as string).length;
  return size;
}

function groupByTopic(entries: readonly { message: OutgoingMessage }[]): TopicBatch[] {
  const byTopic = new Map<string, TopicBatch>();
  for (const { message } of entries) {
    const { topic, key, value, headers, partition } = message;
    let batch = byTopic.get(topic);
    if (!batch) {
      batch = { topic, messages: [] };
      byTopic.set(topic, batch);
    }
    const sent: TopicBatch['messages'][number] = { key, value };
    if (headers) sent.headers = headers;
    if (partition !== undefined) sent.partition = partition;
    batch.messages.push(sent);
  }
  return [...byTopic.values()];
}

/**
 * A failure that retrying cannot fix, with what was being sent: the largest message of the batch (a row above
 * the topic's max.message.bytes is the usual cause; Kafka's own message does not say which).
 */
function withBatchContext(
  error: unknown,
  batch: readonly { message: OutgoingMessage; bytes: number }[],
): unknown {
  if (!(error instanceof PipelineError) || error.retriable) return error;
  const largest = batch.reduce(
    (top, entry) => (entry.bytes > top.bytes ? entry : top),
    batch[0] ?? { bytes: 0, message: undefined },
  );
  if (!largest.message) return error;
  return new PipelineError(
    error.code,
    `${error.message} (largest message of the batch: ${largest.bytes} bytes for ${largest.message.topic}; a message above the topic's max.message.bytes, 4 MiB when the reader created it, is refused: raise it on the topic and the broker, or exclude the column in the connector; nothing is confirmed past it)`,
    { cause: error, retriable: false, details: { topic: largest.message.topic, bytes: largest.bytes } },
  );
}

export class BatchingProducer {
  private readonly queue: { message: OutgoingMessage; bytes: number }[] = [];
  private bufferedBytes = 0;
  private sendLoop: Promise<void> | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private spaceWaiters: (() => void)[] = [];
  private announceFailure: () => void = () => undefined;
  /**
   * Settles once sending has failed for good: the reader stops at once instead of waiting for its next change
   * to meet the failure (a lone oversized row would otherwise stall it silently).
   */
  readonly failed = new Promise<void>((resolve) => {
    this.announceFailure = resolve;
  });

  constructor(
    private readonly sender: MessageSender,
    private readonly options: BatchingOptions = defaultBatchingOptions,
  ) {}

  /** Bytes buffered or in flight: the in-flight size metric. */
  get inFlightBytes(): number {
    return this.bufferedBytes;
  }

  get inFlightMessages(): number {
    return this.queue.length;
  }

  async enqueue(message: OutgoingMessage): Promise<void> {
    await this.add(message);
  }

  /**
   * `enqueue` without a promise per message: undefined when the caller may go on at once, else the wait for
   * room (which rejects if the producer failed). Throws at once if it already failed.
   */
  add(message: OutgoingMessage): Promise<void> | undefined {
    this.throwIfFailed();
    const bytes = messageBytes(message);
    this.queue.push({ message, bytes });
    this.bufferedBytes += bytes;
    if (
      this.queue.length >= this.options.maxBatchMessages ||
      this.bufferedBytes >= this.options.maxBatchBytes
    ) {
      this.startSending();
    } else {
      this.lingerTimer ??= setTimeout(() => this.startSending(), this.options.lingerMs);
    }
    return this.full() ? this.waitForRoom() : undefined;
  }

  private full(): boolean {
    const maxMessages = this.options.maxBufferedMessages ?? Number.POSITIVE_INFINITY;
    return (
      (this.bufferedBytes > this.options.maxBufferedBytes || this.queue.length > maxMessages) &&
      this.failure === undefined
    );
  }

  private async waitForRoom(): Promise<void> {
    while (this.full()) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    this.throwIfFailed();
  }

  /** Sends everything buffered and resolves once Kafka acknowledged it all (or rejects with the failure). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.sendLoop) {
      this.throwIfFailed();
      this.startSending();
      await this.sendLoop;
    }
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private startSending(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.sendLoop || this.failure !== undefined) return;
    this.sendLoop = this.drain().finally(() => {
      this.sendLoop = undefined;
    });
  }

  private takeBatch(): { message: OutgoingMessage; bytes: number }[] {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.options.maxBatchMessages) {
      const next = this.queue[count];
      if (!next || (count > 0 && bytes + next.bytes > this.options.maxBatchBytes)) break;
      bytes += next.bytes;
      count++;
    }
    // Not removed from the queue yet: the bytes stay counted (and flush keeps waiting) until acknowledged.
    return this.queue.slice(0, count);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      const started = performance.now();
      try {
        const batches = groupByTopic(batch);
        await withBackoff(() => this.sender.send(batches), {
          ...this.options.retry,
          onRetry: this.options.onRetry,
        });
      } catch (error) {
        this.failure = withBatchContext(error, batch);
        this.announceFailure();
        this.wakeWaiters();
        return;
      }
      this.queue.splice(0, batch.length);
      let bytes = 0;
      for (const entry of batch) {
        bytes += entry.bytes;
        entry.message.onAcked?.();
      }
      this.bufferedBytes -= bytes;
      this.options.onBatchSent?.({
        messages: batch.length,
        bytes,
        seconds: (performance.now() - started) / 1000,
      });
      this.wakeWaiters();
    }
  }

  private wakeWaiters(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }
}
