/**
 * The producer of replayed dead letters: idempotent (a retried send is not written twice), acks from every
 * in-sync replica (a replay reported done is durable), one request in flight (letters of one partition land in
 * the order they are sent), and never creating a topic (a replay goes back where it came from, or nowhere).
 */
import { type Kafka, Partitioners } from 'kafkajs';

export interface ReplayMessage {
  topic: string;
  /** Always explicit: the original partition, so the copy keeps its place in its key's order. */
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer[]>;
}

export interface ReplayProducer {
  /** Returns the offset the message was written at. */
  send(message: ReplayMessage): Promise<number>;
  close(): Promise<void>;
}

export async function connectReplayProducer(kafka: Kafka): Promise<ReplayProducer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Every message names its partition; this only keeps kafkajs from warning about its default.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async send(message) {
      const [metadata] = await producer.send({
        topic: message.topic,
        acks: -1,
        messages: [
          {
            partition: message.partition,
            key: message.key,
            value: message.value,
            headers: message.headers,
          },
        ],
      });
      return Number(metadata?.baseOffset ?? metadata?.offset ?? -1);
    },
    close: () => producer.disconnect().catch(() => undefined),
  };
}
