/**
 * Standby status updates on their own timer. They must keep flowing while the consumer is blocked (a slow Kafka):
 * the walsender drops a reader that stays silent for wal_sender_timeout (60 s by default), and a paused socket
 * cannot read its keepalive requests. The data path never delays them.
 */
import type { Lsn } from '../model.ts';
import { encodeStatusUpdate } from './protocol.ts';

export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  constructor(
    /** Writes one CopyData message; false when the connection is gone. */
    private readonly send: (message: Buffer) => boolean,
    /** The position to report: what the owner confirmed, or 0 (InvalidXLogRecPtr: "no news") before that. */
    private readonly position: () => Lsn | undefined,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.sendNow(), this.intervalMs);
    this.timer.unref(); // the connection keeps the process alive, not this timer
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sendNow(): boolean {
    const sent = this.send(encodeStatusUpdate(this.position() ?? 0n, Date.now()));
    if (sent) this.sent += 1;
    return sent;
  }

  get count(): number {
    return this.sent;
  }
}
