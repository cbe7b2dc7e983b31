import { describe, expect, it } from 'vitest';
import { Inbox } from '../../../services/replication-reader/replication/inbox.ts';

function flowLog() {
  const calls: string[] = [];
  return { calls, flow: { pause: () => calls.push('pause'), resume: () => calls.push('resume') } };
}

describe('Inbox', () => {
  it('pauses at the high-water mark and resumes at half of it', () => {
    const { calls, flow } = flowLog();
    const inbox = new Inbox<number>(flow, 4);
    for (let i = 0; i < 3; i++) inbox.push(i);
    expect(calls).toEqual([]);
    inbox.push(3);
    expect(calls).toEqual(['pause']);
    inbox.push(4); // a socket read already parsed still lands
    expect(inbox.stats()).toEqual({ held: 5, peak: 5, paused: true, pauses: 1 });
    expect([inbox.shift(), inbox.shift()]).toEqual([0, 1]);
    expect(calls).toEqual(['pause']);
    expect(inbox.shift()).toBe(2);
    expect(calls).toEqual(['pause', 'resume']);
    expect([inbox.shift(), inbox.shift(), inbox.shift()]).toEqual([3, 4, undefined]);
  });

  it('wakes a waiting consumer on push and on demand', async () => {
    const { flow } = flowLog();
    const inbox = new Inbox<string>(flow, 10);
    const waiting = inbox.waitForItem();
    inbox.push('a');
    await waiting;
    expect(inbox.shift()).toBe('a');
    const woken = inbox.waitForItem();
    inbox.wake();
    await woken;
    expect(inbox.size).toBe(0);
  });

  it('keeps order over many items and compacts its storage', () => {
    const { flow } = flowLog();
    const inbox = new Inbox<number>(flow, 100_000);
    for (let i = 0; i < 5000; i++) inbox.push(i);
    for (let i = 0; i < 4000; i++) expect(inbox.shift()).toBe(i);
    inbox.push(5000);
    expect(inbox.size).toBe(1001);
    expect(inbox.last()).toBe(5000);
    inbox.replaceLast(5001);
    for (let i = 4000; i < 5000; i++) expect(inbox.shift()).toBe(i);
    expect(inbox.shift()).toBe(5001);
  });

  it('resumes a paused socket when cleared', () => {
    const { calls, flow } = flowLog();
    const inbox = new Inbox<number>(flow, 2);
    inbox.push(1);
    inbox.push(2);
    inbox.clear();
    expect(calls).toEqual(['pause', 'resume']);
    expect(inbox.size).toBe(0);
  });
});
