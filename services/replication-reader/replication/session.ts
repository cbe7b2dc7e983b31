/**
 * One logical replication stream from one slot, with acknowledgement fully in our hands.
 *
 * Why not pg-logical-replication's LogicalReplicationService: its keepalive timer confirms the last *received*
 * position (data Kafka never acknowledged), `acknowledge(lsn)` sends lsn + 1 (a restart then skips a commit that
 * starts right there), it resumes from the last received position when no LSN is given, its timestamps use a
 * wrong epoch, and with flow control a handler error moves on. Only its pgoutput parser is reused (decoder.ts).
 *
 * Here: the stream starts at an explicit LSN; the server is only ever told the position the owner passed to
 * `confirm()`; status updates go out on their own timer (and when the server asks), so they keep flowing while
 * the consumer is blocked; the consumer pulls at its own pace and a slow one pauses the socket (inbox.ts); and
 * any error, the consumer's included, ends the session. A session runs once: restart with a new one.
 */
import { PipelineError } from '../../../lib/errors/index.ts';
import { formatLsn, isLsn, maxLsn } from '../../../lib/postgres/index.ts';
import type { Lsn } from '../model.ts';
import { type StartReplicationOptions, startReplicationCommand } from './connection.ts';
import { PgoutputDecoder } from './decoder.ts';
import { Inbox } from './inbox.ts';
import type { ReplicationMessage } from './messages.ts';
import {
  type ReplicationSessionOptions,
  type ResolvedSessionOptions,
  resolveSessionOptions,
} from './options.ts';
import { parseCopyData } from './protocol.ts';
import { StatusReporter } from './status.ts';
import { ReplicationStream } from './stream.ts';

export type SessionState = 'idle' | 'starting' | 'streaming' | 'stopping' | 'stopped' | 'failed';

export interface SessionStatus {
  state: SessionState;
  confirmedLsn: Lsn | undefined;
  /** Furthest position seen on the wire (data or keepalive): for lag metrics, never for confirming. */
  lastReceivedLsn: Lsn | undefined;
  lastKeepaliveWalEnd: Lsn | undefined;
  /** Messages received and not yet taken by the consumer, now and at most. */
  heldMessages: number;
  peakHeldMessages: number;
  paused: boolean;
  statusUpdatesSent: number;
}

type Incoming =
  | { tag: 'data'; lsn: Lsn; payload: Buffer }
  | { tag: 'keepalive'; walEnd: Lsn; serverTimeMillis: number };

export class ReplicationSession {
  private readonly options: ResolvedSessionOptions;
  private readonly decoder = new PgoutputDecoder();
  private state: SessionState = 'idle';
  private slot = '';
  private startLsn: Lsn = 0n;
  private stream: ReplicationStream | undefined;
  private reporter: StatusReporter | undefined;
  private inbox: Inbox<Incoming> | undefined;
  private ready: ReplicationMessage[] = [];
  private failure: unknown;
  private confirmed: Lsn | undefined;
  private received: Lsn | undefined;
  private keepaliveWalEnd: Lsn | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private pulling = false;

  constructor(options: ReplicationSessionOptions) {
    this.options = resolveSessionOptions(options);
  }

  /** Connects and starts streaming at `startLsn` (the durable position); resolves once the server streams. */
  async start(options: StartReplicationOptions): Promise<void> {
    if (this.state !== 'idle') throw new PipelineError('INTERNAL', 'a replication session starts only once');
    const command = startReplicationCommand(options); // validates before any connection is made
    this.state = 'starting';
    this.slot = options.slot;
    this.startLsn = options.startLsn;
    this.starting = this.open(command); // set before the first await: stop() may wait for it
    await this.starting;
  }

  private async open(command: string): Promise<void> {
    const stream = new ReplicationStream(this.options.connection, this.options.applicationName, this.slot);
    this.stream = stream;
    this.reporter = new StatusReporter(
      (message) => this.state === 'streaming' && stream.send(message),
      () => this.confirmed,
      this.options.statusIntervalMs,
    );
    this.inbox = new Inbox<Incoming>(stream, this.options.highWaterMark);
    try {
      await stream.open(command, {
        started: () => {
          if (this.state !== 'starting') return;
          this.state = 'streaming';
          this.reporter?.start();
          this.options.logger?.info(
            { slot: this.slot, startLsn: formatLsn(this.startLsn) },
            'replication started',
          );
        },
        data: (chunk) => this.receive(chunk),
        ended: (error) => this.fail(error, false),
      });
    } catch (error) {
      throw this.fail(error, false);
    }
    if (this.state !== 'streaming') throw this.failure;
  }

  /** Socket side: frames each CopyData, answers reply requests at once, and queues the rest for the consumer. */
  private receive(chunk: Buffer): void {
    const inbox = this.inbox;
    if (this.state !== 'streaming' || !inbox) return; // stopping or failed: nothing more is consumed
    let message: ReturnType<typeof parseCopyData>;
    try {
      message = parseCopyData(chunk);
    } catch (error) {
      this.fail(error, false);
      return;
    }
    if (message.tag === 'xlogdata') {
      this.received = maxLsn(this.received, message.dataStart);
      // Copied: node-postgres may reuse the buffer behind this view for the next socket read.
      inbox.push({ tag: 'data', lsn: message.dataStart, payload: Buffer.from(message.payload) });
      return;
    }
    this.received = maxLsn(this.received, message.walEnd);
    if (message.replyRequested) this.sendStatus();
    const keepalive: Incoming = {
      tag: 'keepalive',
      walEnd: message.walEnd,
      serverTimeMillis: message.serverTimeMillis,
    };
    // Keepalives pile up while the consumer is away; only the latest one matters.
    if (inbox.last()?.tag === 'keepalive') inbox.replaceLast(keepalive);
    else inbox.push(keepalive);
  }

  /** The next message in WAL order; undefined once the session was stopped. Throws what ended the session. */
  async next(): Promise<ReplicationMessage | undefined> {
    if (this.pulling) throw new PipelineError('INTERNAL', 'a replication session has one consumer');
    if (this.state === 'idle' || this.state === 'starting') {
      throw new PipelineError('INTERNAL', 'start the replication session before reading from it');
    }
    this.pulling = true;
    try {
      for (;;) {
        if (this.state === 'failed') throw this.failure;
        const message = this.ready.shift();
        if (message) return message;
        if (this.state !== 'streaming' || !this.inbox) return undefined;
        const incoming = this.inbox.shift();
        if (incoming) this.ready = this.translate(incoming);
        else await this.inbox.waitForItem();
      }
    } finally {
      this.pulling = false;
    }
  }

  /**
   * The next message if one can be had without waiting, else undefined (then `next()` waits for it). Spares
   * the consumer a promise per message while the inbox is full, which is when throughput matters.
   */
  nextReady(): ReplicationMessage | undefined {
    if (this.pulling || this.state !== 'streaming' || !this.inbox) return undefined;
    for (;;) {
      const message = this.ready.length > 0 ? this.ready.shift() : undefined;
      if (message) return message;
      const incoming = this.inbox.shift();
      if (!incoming) return undefined;
      this.ready = this.translate(incoming);
    }
  }

  private translate(incoming: Incoming): ReplicationMessage[] {
    if (incoming.tag === 'data') {
      try {
        return this.decoder.decode(incoming.payload, incoming.lsn);
      } catch (error) {
        throw this.fail(error, true);
      }
    }
    // Mid-transaction keepalives say nothing the coming commit will not say better; between transactions, every
    // earlier message has been handed out, so the position is safe to confirm once those are acknowledged.
    if (this.decoder.inTransaction) return [];
    this.keepaliveWalEnd = maxLsn(this.keepaliveWalEnd, incoming.walEnd);
    return [{ kind: 'keepalive', walEnd: incoming.walEnd, serverTimeMillis: incoming.serverTimeMillis }];
  }

  /** Messages as an async iterator. Leaving the loop early does not stop the session: call `stop()`. */
  async *messages(): AsyncGenerator<ReplicationMessage, void, undefined> {
    for (;;) {
      const message = await this.next();
      if (message === undefined) return;
      yield message;
    }
  }

  /**
   * Hands each message to `handler`, waiting for it before taking the next. Resolves when the session is
   * stopped; a handler error ends the session and is rethrown (the message is never skipped).
   */
  async consume(handler: (message: ReplicationMessage) => Promise<void> | void): Promise<void> {
    for (;;) {
      const message = await this.next();
      if (message === undefined) return;
      try {
        await handler(message);
      } catch (error) {
        this.fail(error, true);
        await this.closing;
        throw error;
      }
    }
  }

  /**
   * Everything before `lsn` is durable downstream. It is sent, exactly, with the next status update. Positions
   * never go back (PostgreSQL 15 would move `confirmed_flush_lsn` back if told a lower one), positions below the
   * start are ignored, and a position beyond anything received is refused: confirming it could skip unread data.
   */
  confirm(lsn: Lsn): void {
    if (!isLsn(lsn)) throw new PipelineError('INVALID_ARGUMENT', `not a WAL position: ${String(lsn)}`);
    const limit = maxLsn(this.received, this.startLsn) ?? 0n;
    if (lsn > limit) {
      throw new PipelineError(
        'INTERNAL',
        `cannot confirm ${formatLsn(lsn)}: only ${formatLsn(limit)} was received`,
      );
    }
    if (lsn < this.startLsn) return;
    if (this.confirmed === undefined || lsn > this.confirmed) this.confirmed = lsn;
  }

  /**
   * Sends a standby status update now (the timer sends one every `statusIntervalMs`). Until something is
   * confirmed the positions are 0 (InvalidXLogRecPtr), which the server ignores. Returns false if not connected.
   */
  sendStatus(): boolean {
    return this.reporter?.sendNow() ?? false;
  }

  /** Sends the confirmed position one last time and closes the connection; pending `next()` calls end. */
  async stop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    if (this.state === 'starting') await this.starting?.catch(() => undefined);
    if (this.state === 'streaming') {
      this.sendStatus();
      this.state = 'stopping';
      this.closing = this.close(true).then(() => {
        this.state = 'stopped';
        this.options.logger?.info({ slot: this.slot }, 'replication stopped');
      });
    }
    await this.closing;
  }

  /** Drops the connection at once, without a last status update, as a crash would. */
  abort(reason?: unknown): void {
    this.fail(
      reason ?? new PipelineError('DATABASE_UNAVAILABLE', 'replication session aborted', { retriable: true }),
      false,
    );
  }

  status(): SessionStatus {
    const inbox = this.inbox?.stats();
    return {
      state: this.state,
      confirmedLsn: this.confirmed,
      lastReceivedLsn: this.received,
      lastKeepaliveWalEnd: this.keepaliveWalEnd,
      heldMessages: (inbox?.held ?? 0) + this.ready.length,
      peakHeldMessages: inbox?.peak ?? 0,
      paused: inbox?.paused ?? false,
      statusUpdatesSent: this.reporter?.count ?? 0,
    };
  }

  get confirmedLsn(): Lsn | undefined {
    return this.confirmed;
  }

  get lastReceivedLsn(): Lsn | undefined {
    return this.received;
  }

  /** The walEnd of the last keepalive handed to the consumer (see `translate` for why only those count). */
  get lastKeepaliveWalEnd(): Lsn | undefined {
    return this.keepaliveWalEnd;
  }

  /** Records the first failure, ends the session and returns the failure (for `throw this.fail(...)`). */
  private fail(error: unknown, graceful: boolean): unknown {
    if (this.state === 'failed' || this.state === 'stopped' || this.state === 'stopping') {
      return this.failure ?? error;
    }
    if (graceful) this.sendStatus(); // the confirmed position is safe to send whatever went wrong
    this.failure = error;
    this.state = 'failed';
    this.options.logger?.warn({ slot: this.slot, err: error }, 'replication session failed');
    this.closing = this.close(graceful);
    return error;
  }

  private async close(graceful: boolean): Promise<void> {
    this.reporter?.stop();
    this.ready = [];
    this.inbox?.clear();
    this.inbox?.wake(); // a pending next() sees the end
    await this.stream?.close(graceful, this.options.stopTimeoutMs);
  }
}
