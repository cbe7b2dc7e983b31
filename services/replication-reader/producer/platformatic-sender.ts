/**
 * The @platformatic/kafka adapter of MessageSender (an alternative to kafka-sender.ts, lighter on CPU):
 * idempotent producer, acks from all in-sync replicas, keys and values sent as the raw bytes they already are.
 *
 * - Idempotence: the library then forces acks=all and one in-flight request per connection, so its own
 *   retries cannot reorder or duplicate a partition's records.
 * - Partitioning by key uses the Java / kafkajs formula (murmur2 & 0x7fffffff), not the library's default
 *   (murmur2 >>> 0), so a key lands on the same partition whichever adapter produced it.
 * - Errors are wrapped in a PipelineError (KAFKA_UNAVAILABLE) whose `retriable` flag says whether every error
 *   the library collected is one it considers retriable (`canRetry`): its errors carry `canRetry`, not
 *   `retriable`, and nest in AggregateError lists, which classify.ts would not look into.
 * - TLS and SASL come from the shared Kafka settings (lib/kafka/platformatic.ts).
 * - Connection 'error' events are handled by the library's pool; failures reach `send` as rejected promises.
 */
import { type GenericError, type MultipleErrors, Producer, stringSerializer } from '@platformatic/kafka';
import { PipelineError } from '../../../lib/errors/index.ts';
import type { PlatformaticConnection } from '../../../lib/kafka/platformatic.ts';
import type { MessageSender, TopicBatch } from './batching-producer.ts';

export interface PlatformaticSenderOptions {
  /** Client id, brokers, TLS and SASL (platformaticConnection builds it from the configuration). */
  connection: PlatformaticConnection;
  /** Retries of one request inside the library before `send` fails (then BatchingProducer retries); min 2. */
  retries?: number;
  retryDelayMs?: number;
  /** Broker-side produce timeout (the library's default is 5 s; kafkajs' is 30 s). */
  produceTimeoutMs?: number;
}

const m = 0x5bd1e995;

/** Kafka's murmur2 (Utils.murmur2 in the Java client) on 32-bit integers, as the kafkajs DefaultPartitioner. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data.readUInt8(length4 + 2) << 16;
    if (rest >= 2) h ^= data.readUInt8(length4 + 1) << 8;
    h ^= data.readUInt8(length4);
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Same partition as kafkajs' DefaultPartitioner and the Java client; the library applies `% partitions`. */
function keyPartitioner(_message: unknown, key: Buffer | undefined): number {
  return key ? murmur2(key) & 0x7fffffff : 0;
}

type ErrorTree = Error & { canRetry?: boolean; errors?: unknown[]; cause?: unknown };

/** True when every error in the library's tree (AggregateError lists and causes) is retriable. */
function allRetriable(error: unknown, seen = new Set<unknown>()): boolean {
  if (typeof error !== 'object' || error === null || seen.has(error)) return true;
  seen.add(error);
  const node = error as ErrorTree;
  if (node.canRetry === false) return false;
  if (Array.isArray(node.errors) && !node.errors.every((inner) => allRetriable(inner, seen))) return false;
  return allRetriable(node.cause, seen);
}

export function wrapKafkaError(error: unknown): PipelineError {
  const libraryError = error as Partial<GenericError | MultipleErrors>;
  const isLibraryError = typeof libraryError?.code === 'string' && libraryError.code.startsWith('PLT_KFK_');
  return new PipelineError('KAFKA_UNAVAILABLE', `Kafka send failed: ${(error as Error)?.message}`, {
    cause: error,
    // A non-library error (a bug in this adapter, say) is not retriable.
    retriable: isLibraryError && allRetriable(error),
    details: isLibraryError ? { libraryCode: libraryError.code } : {},
  });
}

export class PlatformaticSender implements MessageSender {
  private readonly producer: Producer<Buffer, Buffer | null, string, string>;

  constructor(options: PlatformaticSenderOptions) {
    this.producer = new Producer<Buffer, Buffer | null, string, string>({
      ...options.connection,
      idempotent: true,
      acks: -1,
      // With idempotence the library turns retries <= 1 (and no value) into "retry forever": keep it bounded
      // and >= 2, so a broker outage surfaces to BatchingProducer (which logs and backs off), then to the run's
      // restart loop.
      retries: Math.max(2, options.retries ?? 5),
      retryDelay: options.retryDelayMs ?? 300,
      timeout: options.produceTimeoutMs ?? 30_000,
      autocreateTopics: false,
      partitioner: keyPartitioner,
      // Keys and values go out as given (the default no-op serialisers); header values are strings.
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  /** Fails fast on unreachable brokers and obtains the producer id (the library connects lazily). */
  async connect(): Promise<void> {
    try {
      await this.producer.initIdempotentProducer({});
    } catch (error) {
      throw wrapKafkaError(error);
    }
  }

  disconnect(): Promise<void> {
    return this.producer.close();
  }

  async send(batches: TopicBatch[]): Promise<void> {
    const messages = [];
    for (const batch of batches) {
      const topic = batch.topic;
      for (const message of batch.messages) {
        messages.push({
          topic,
          key: message.key,
          value: message.value,
          headers: message.headers,
          partition: message.partition,
        });
      }
    }
    try {
      await this.producer.send({ messages });
    } catch (error) {
      throw wrapKafkaError(error);
    }
  }
}
