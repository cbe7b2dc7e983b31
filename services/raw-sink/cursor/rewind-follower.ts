/**
 * Follows `cdc rewind` for one consumer group (lib/cursor/rewinds.ts): LISTEN on the cursor channel for a
 * prompt reaction, and a poll of cdc.cursor_rewinds as the safety net (a notification sent while the listening
 * connection was down is never redelivered). Each new rewind is handed to `onRewind` once, in order; a failed
 * handling is retried at the next check, so a rewind is never skipped. The same connection listens for
 * changes to cdc.table_state (`cdc pause|resume`), so a paused table stops at once rather than at the next poll.
 */
import type pg from 'pg';
import {
  cursorChannel,
  latestRewindId,
  type RewindNotice,
  rewindsAfter,
} from '../../../lib/cursor/rewinds.ts';
import { tableStateChannel } from '../../../lib/cursor/table-state.ts';
import type { Logger } from '../../../lib/logging/index.ts';

export interface RewindFollowerOptions {
  pool: pg.Pool;
  group: string;
  pollMs: number;
  logger: Logger;
  onRewind: (notice: RewindNotice) => Promise<void>;
  /** A table's state changed (payload: its topic); the caller re-reads cdc.table_state. */
  onTableState?: (topic: string) => void;
}

export class RewindFollower {
  private lastSeen = 0;
  private poll: NodeJS.Timeout | undefined;
  private listener: pg.PoolClient | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private reconnectDelayMs = 500;
  private checking: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: RewindFollowerOptions) {}

  /** Rewinds recorded before the start are history: the sink seeks to the stored cursor on joining anyway. */
  async start(): Promise<void> {
    this.lastSeen = await latestRewindId(this.options.pool, this.options.group);
    await this.listen().catch((error: unknown) => this.scheduleReconnect(error));
    this.poll = setInterval(() => void this.check(), this.options.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.reconnect);
    await this.checking;
    this.listener?.release(true);
    this.listener = undefined;
  }

  /** Runs one check at a time; a check asked for meanwhile runs right after (a notification is not lost). */
  check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = this.checkOnce().finally(() => {
      this.checking = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.check();
      }
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    try {
      for (const notice of await rewindsAfter(this.options.pool, this.options.group, this.lastSeen)) {
        if (this.stopped) return;
        await this.options.onRewind(notice);
        this.lastSeen = notice.id;
      }
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not follow a cursor rewind; trying again at the next check',
      );
    }
  }

  private async listen(): Promise<void> {
    const client = await this.options.pool.connect();
    client.on('notification', (message) => {
      if (message.channel === cursorChannel && message.payload === this.options.group) void this.check();
      if (message.channel === tableStateChannel) this.options.onTableState?.(message.payload ?? '');
    });
    client.on('error', (error) => {
      client.release(true);
      if (this.listener === client) this.listener = undefined;
      this.scheduleReconnect(error);
    });
    try {
      await client.query(`LISTEN ${cursorChannel}`);
      await client.query(`LISTEN ${tableStateChannel}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.listener = client;
    this.reconnectDelayMs = 500;
    // Anything recorded while the previous connection was down.
    void this.check();
  }

  /** Backoff up to 30 s between attempts; meanwhile the poll keeps rewinds flowing, only less promptly. */
  private scheduleReconnect(error: unknown): void {
    if (this.stopped) return;
    this.options.logger.warn(
      { err: error, retryInMs: this.reconnectDelayMs },
      'cursor rewind listener disconnected; polling meanwhile',
    );
    this.reconnect = setTimeout(() => {
      this.listen().catch((next: unknown) => this.scheduleReconnect(next));
    }, this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 30_000);
  }
}
