/**
 * The one writer of the reader's state topic (reader-state.ts): the slot's snapshot state, the progress of
 * incremental snapshots, and whatever state comes next. One store per run.
 *
 * Why fenced: the lease (lease.ts) says who may stream a slot, but a reader that lost it learns so late (the
 * heartbeat) or, in the middle of the initial copy, not before the copy ends; its state writes must not
 * overwrite those of the reader that took over (an old `done` over the new holder's `in-progress` makes the
 * new slot look snapshotted). Kafka fences that by itself: every write is a transaction of a transactional
 * producer whose id is derived from the topic and the slot. Opening a store initialises that id
 * (InitProducerId), which bumps its epoch: from then on, the broker refuses every older producer with the same
 * id (INVALID_PRODUCER_EPOCH, or PRODUCER_FENCED on newer protocol versions) and aborts its open transaction.
 * So the new holder opens its store, and only then reads the state: what it reads can no longer change
 * underneath it.
 *
 * kafkajs initialises a transactional id only on the first `transaction()` (an idempotent `connect()` asks
 * for a plain producer id), so `open` begins and aborts an empty transaction, which sends nothing else.
 *
 * A store that was fenced, or whose transaction ended in an unknown state (kafkajs' producer cannot recover
 * from a failed commit or abort), never writes again: `failed` settles and the run ends. Re-initialising here
 * would fence a reader that took over meanwhile; the next run does it, after confirming the lease.
 */
import type { Kafka, Producer } from 'kafkajs';
import { causeChain, PipelineError } from '../errors/index.ts';
import type { SlotState, TableColumnsState, TableSnapshotState } from './reader-state.ts';
import { tableColumnsKey, tableSnapshotKey } from './reader-state.ts';

export interface ReaderStateStoreOptions {
  kafka: Kafka;
  /** The state topic (reader-state.ts stateTopic); it must exist. */
  topic: string;
  slot: string;
  /**
   * Test seam: called before each write with its key; when it throws, nothing is written and the write fails
   * with that error (the store stays usable).
   */
  beforeWrite?: (key: string) => void | Promise<void>;
}

/** Kafka's answers to a producer whose transactional id was initialised again by someone else. */
const fencedTypes = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);
const producerFencedCode = 90; // unknown to kafkajs 2.2.4, which knows INVALID_PRODUCER_EPOCH (47) only

export function isFencedError(error: unknown): boolean {
  for (const link of causeChain(error)) {
    if (link instanceof PipelineError && link.code === 'FENCED') return true;
    const { type, code } = (link ?? {}) as { type?: unknown; code?: unknown };
    if ((typeof type === 'string' && fencedTypes.has(type)) || code === producerFencedCode) return true;
  }
  return false;
}

export function stateTransactionalId(topic: string, slot: string): string {
  return `${topic}/${slot}`;
}

export class ReaderStateStore {
  /** Settles (never rejects) once this store can no longer write: fenced, or its producer is unusable. */
  readonly failed: Promise<PipelineError>;
  private settleFailed: (error: PipelineError) => void = () => undefined;
  private failure: PipelineError | undefined;
  /** One transaction at a time: a kafkajs producer refuses a second one while the first is open. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly producer: Producer,
    private readonly options: ReaderStateStoreOptions,
  ) {
    this.failed = new Promise((resolve) => {
      this.settleFailed = resolve;
    });
  }

  /** Connects and takes the transactional id over (fencing every earlier writer of this slot's state). */
  static async open(options: ReaderStateStoreOptions): Promise<ReaderStateStore> {
    const producer = options.kafka.producer({
      transactionalId: stateTransactionalId(options.topic, options.slot),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    try {
      await producer.connect();
      const transaction = await producer.transaction();
      await transaction.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw new PipelineError(
        'KAFKA_UNAVAILABLE',
        `could not open the reader's state store for slot ${options.slot}`,
        { cause: error, retriable: true, details: { slot: options.slot, topic: options.topic } },
      );
    }
    return new ReaderStateStore(producer, options);
  }

  writeSlotState(state: SlotState): Promise<void> {
    return this.write(this.options.slot, state);
  }

  writeTableSnapshot(state: TableSnapshotState): Promise<void> {
    return this.write(tableSnapshotKey(this.options.slot, state.table), state);
  }

  writeTableColumns(state: TableColumnsState): Promise<void> {
    return this.write(tableColumnsKey(this.options.slot, state.table), state);
  }

  async close(): Promise<void> {
    await this.tail;
    await this.producer.disconnect().catch(() => undefined);
  }

  private write(key: string, value: unknown): Promise<void> {
    const written = this.tail.then(() => this.transact(key, value));
    this.tail = written.catch(() => undefined);
    return written;
  }

  private async transact(key: string, value: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    await this.options.beforeWrite?.(key);
    const transaction = await this.producer.transaction();
    try {
      await transaction.send({
        topic: this.options.topic,
        acks: -1,
        messages: [{ key, value: JSON.stringify(value) }],
      });
      await transaction.commit();
    } catch (error) {
      // A send refused before anything joined the transaction aborts locally; after a failed commit, the
      // producer is stuck (kafkajs allows no abort then) and the broker aborts the transaction on its timeout.
      const aborted = await transaction.abort().then(
        () => true,
        () => false,
      );
      if (isFencedError(error)) {
        throw this.fail(
          new PipelineError(
            'FENCED',
            `another reader took over slot ${this.options.slot}: this one may no longer write its state, and ` +
              'stops (its lease is gone)',
            { cause: error, details: { slot: this.options.slot, key } },
          ),
        );
      }
      const failure = new PipelineError(
        'KAFKA_UNAVAILABLE',
        `could not write the reader state ${key}${aborted ? '' : '; the run restarts to write it again'}`,
        { cause: error, retriable: true, details: { slot: this.options.slot, key } },
      );
      throw aborted ? failure : this.fail(failure);
    }
  }

  private fail(error: PipelineError): PipelineError {
    this.failure ??= error;
    this.settleFailed(this.failure);
    return this.failure;
  }
}
