/**
 * The bounded hand-over between the socket and the consumer. The socket pushes; the consumer pulls at its own
 * pace. Past `highWaterMark` held items the socket is paused, and it resumes once the consumer has taken the
 * inbox down to half of that, so memory stays bounded whatever the size of a transaction and TCP backpressure
 * reaches the walsender (which keeps answering status updates meanwhile).
 *
 * The bound is not exact: one socket read (at most 64 KiB) is parsed into messages all at once, so up to one
 * read's worth of messages may land after the pause.
 */

export interface FlowControl {
  pause(): void;
  resume(): void;
}

export interface InboxStats {
  /** Items held now. */
  held: number;
  /** Most items ever held at once. */
  peak: number;
  paused: boolean;
  /** How many times the socket was paused. */
  pauses: number;
}

export class Inbox<T> {
  private readonly items: T[] = [];
  private head = 0;
  private paused = false;
  private peak = 0;
  private pauses = 0;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly flow: FlowControl,
    private readonly highWaterMark: number,
  ) {
    if (!Number.isInteger(highWaterMark) || highWaterMark < 2) {
      throw new RangeError(`highWaterMark must be an integer ≥ 2, got ${highWaterMark}`);
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  stats(): InboxStats {
    return { held: this.size, peak: this.peak, paused: this.paused, pauses: this.pauses };
  }

  push(item: T): void {
    this.items.push(item);
    this.peak = Math.max(this.peak, this.size);
    if (!this.paused && this.size >= this.highWaterMark) {
      this.paused = true;
      this.pauses += 1;
      this.flow.pause();
    }
    this.wake();
  }

  /** The newest item, to coalesce into (e.g. successive keepalives while the consumer is away). */
  last(): T | undefined {
    return this.size > 0 ? this.items[this.items.length - 1] : undefined;
  }

  replaceLast(item: T): void {
    if (this.size === 0) throw new RangeError('inbox is empty');
    this.items[this.items.length - 1] = item;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T; // let it be collected
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    if (this.paused && this.size <= this.highWaterMark / 2) {
      this.paused = false;
      this.flow.resume();
    }
    return item;
  }

  /** Resolves when an item is pushed or `wake()` is called (end of stream, failure). */
  waitForItem(): Promise<void> {
    if (this.size > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
    if (this.paused) {
      this.paused = false;
      this.flow.resume();
    }
  }
}
