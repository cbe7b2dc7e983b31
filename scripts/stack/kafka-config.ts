/**
 * server.properties and log4j2.properties of the single-node KRaft broker, rendered from topology.ts. Pure, and
 * rewritten on every start like the Postgres configuration.
 */
import { host } from './topology.ts';

export interface KafkaConfigInput {
  port: number;
  controllerPort: number;
  dataDir: string;
}

export function renderServerProperties({ port, controllerPort, dataDir }: KafkaConfigInput): string {
  const settings: Array<[string, string | number | boolean]> = [
    // One process is both broker and controller (KRaft, no ZooKeeper).
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    // Dynamic quorum (KIP-853): the storage is formatted with --standalone, making this node the only voter.
    ['controller.quorum.bootstrap.servers', `${host}:${controllerPort}`],
    ['listeners', `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', dataDir],
    ['num.partitions', 3],
    // The pipeline creates its topics explicitly, with the partitioning it needs; a typo must fail, not create.
    ['auto.create.topics.enable', false],
    ['delete.topic.enable', true],
    // A single broker can hold one replica of the internal topics.
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 10],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 10],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    // Tests start consumers constantly; the default 3 s wait before the first rebalance would slow every one.
    ['group.initial.rebalance.delay.ms', 0],
    // Room for wide rows in CDC envelopes, still small enough to catch a runaway batch.
    ['message.max.bytes', 4 * 1024 * 1024],
    ['replica.fetch.max.bytes', 4 * 1024 * 1024],
    ['log.segment.bytes', 64 * 1024 * 1024],
    ['log.retention.hours', 72],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
  ];
  const lines = settings.map(([key, value]) => `${key}=${value}`);
  return `# Written by scripts/stack/kafka-config.ts on every start; edit that file, not this one.\n${lines.join('\n')}\n`;
}

/** Kafka 4 configures log4j2. Everything goes to stdout, which the stack appends to logs/kafka.log. */
export function renderLog4j2Properties(): string {
  return `# Written by scripts/stack/kafka-config.ts on every start.
status = warn
name = stack-kafka

appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.target = SYSTEM_OUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n

rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT

# Per-request and per-partition state lines would drown the log of a test run.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
# Every start dumps each component's full configuration (~2,000 lines); server.properties is next to this file.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
`;
}
