/**
 * The producing client named by READER_KAFKA_CLIENT, behind the one MessageSender interface: platformatic
 * runs @platformatic/kafka in a worker thread (worker-sender.ts); kafkajs runs in the reader's thread.
 */
import type { Kafka } from 'kafkajs';
import type { PlatformaticConnection } from '../../../lib/kafka/platformatic.ts';
import type { MessageSender } from './batching-producer.ts';
import { KafkaSender } from './kafka-sender.ts';
import { WorkerSender } from './worker-sender.ts';

export type KafkaClientName = 'platformatic' | 'kafkajs';

export type ConnectedSender = MessageSender & { connect(): Promise<void>; disconnect(): Promise<void> };

export function createSender(
  client: KafkaClientName,
  clients: { kafka: Kafka; connection: PlatformaticConnection },
): ConnectedSender {
  return client === 'platformatic'
    ? new WorkerSender({ connection: clients.connection })
    : new KafkaSender(clients.kafka);
}
