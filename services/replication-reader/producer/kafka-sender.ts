/** The kafkajs adapter of MessageSender: idempotent producer, acks from all in-sync replicas. */
import type { Kafka, Producer } from 'kafkajs';
import type { MessageSender, TopicBatch } from './batching-producer.ts';

export class KafkaSender implements MessageSender {
  private readonly producer: Producer;

  constructor(kafka: Kafka) {
    // Idempotence makes kafkajs' own internal retries duplicate-free; maxInFlightRequests 1 keeps order even
    // when kafkajs retries a request on its own.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(batches: TopicBatch[]): Promise<void> {
    await this.producer.sendBatch({ acks: -1, topicMessages: batches });
  }
}
