/**
 * The transport under a session: one node-postgres client in logical replication mode, in CopyBoth mode once
 * START_REPLICATION is accepted. It knows nothing of pgoutput or positions; it delivers raw CopyData, sends
 * raw CopyData, pauses and resumes reading, and reports once how the stream ended.
 */
import pg from 'pg';
import { PipelineError } from '../../../lib/errors/index.ts';
import { type ConnectionSettings, replicationClientConfig } from './connection.ts';
import { replicationError } from './errors.ts';

export interface StreamHandlers {
  /** CopyBoth began. Called synchronously: the first CopyData may follow in the same socket read. */
  started(): void;
  data(chunk: Buffer): void;
  /** The stream ended without `close()` being asked for (connection lost, server error, server ended it). */
  ended(error: PipelineError): void;
}

// node-postgres has these at run time but not in its types.
type CopyBothConnection = pg.Connection & {
  sendCopyFromChunk(chunk: Buffer): void;
  on(event: 'copyData', listener: (message: { chunk: Buffer }) => void): unknown;
};

export class ReplicationStream {
  private readonly client: pg.Client;
  private closing = false;
  private endedReported = false;

  constructor(
    settings: ConnectionSettings,
    applicationName: string,
    private readonly slot: string,
  ) {
    this.client = new pg.Client(replicationClientConfig(settings, applicationName));
  }

  private get connection(): CopyBothConnection {
    return this.client.connection as CopyBothConnection;
  }

  /** Connects and issues `command`; resolves when streaming began, rejects if it never did. */
  async open(command: string, handlers: StreamHandlers): Promise<void> {
    // Registered first: a socket error with no listener would crash the process.
    this.client.on('error', (error) =>
      this.end(handlers, replicationError(error, this.context('streaming'))),
    );
    try {
      await this.client.connect();
    } catch (error) {
      throw replicationError(error, this.context('connect'));
    }
    this.connection.on('copyData', (message) => handlers.data(message.chunk));
    await new Promise<void>((resolve, reject) => {
      let streaming = false;
      this.connection.once('replicationStart', () => {
        streaming = true;
        handlers.started();
        resolve();
      });
      const failed = (error: PipelineError) => {
        if (streaming) this.end(handlers, error);
        else reject(error);
      };
      this.client.query(command).then(
        () =>
          failed(
            new PipelineError('DATABASE_UNAVAILABLE', 'the server ended the replication stream', {
              retriable: true,
              details: { slot: this.slot },
            }),
          ),
        (error: unknown) => failed(replicationError(error, this.context(streaming ? 'streaming' : 'start'))),
      );
    });
  }

  private context(during: string) {
    return { slot: this.slot, during };
  }

  private end(handlers: StreamHandlers, error: PipelineError): void {
    // After close() the "Connection terminated" that follows is expected, not news.
    if (this.closing || this.endedReported) return;
    this.endedReported = true;
    handlers.ended(error);
  }

  /** Sends one CopyData message; false when the socket can no longer be written. */
  send(chunk: Buffer): boolean {
    if (this.closing || !this.connection.stream.writable) return false;
    this.connection.sendCopyFromChunk(chunk);
    return true;
  }

  pause(): void {
    this.connection.stream.pause();
  }

  resume(): void {
    this.connection.stream.resume();
  }

  /**
   * Graceful: Terminate, then wait (at most `timeoutMs`) for the server to close. Otherwise the socket is
   * destroyed at once, as a crash would, with nothing more sent.
   */
  async close(graceful: boolean, timeoutMs: number): Promise<void> {
    this.closing = true;
    const socket = this.connection.stream;
    if (!graceful) socket.destroy();
    socket.resume(); // a paused socket would never read the server's goodbye
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const ended = this.client.end().then(
      () => 'ended' as const,
      () => 'ended' as const,
    );
    const outcome = await Promise.race([ended, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') socket.destroy();
  }
}
