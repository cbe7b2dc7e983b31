import { describe, expect, it } from 'vitest';
import { decodeBatches, encodeBatches } from '../../../services/replication-reader/producer/batch-codec.ts';
import type { TopicBatch } from '../../../services/replication-reader/producer/batching-producer.ts';

describe('batch codec', () => {
  it('carries topics, keys, values, tombstones, partitions and shared headers across intact', () => {
    const created = { 'cdc-op': 'c' };
    const batches: TopicBatch[] = [
      {
        topic: 'core.public.partners',
        messages: [
          { key: Buffer.from([0, 1, 2]), value: Buffer.from([0xff, 0x00, 0x80]), headers: created },
          { key: Buffer.from('k2'), value: null, headers: { 'cdc-op': 'tombstone' } },
          { key: Buffer.alloc(0), value: Buffer.alloc(0) },
        ],
      },
      {
        topic: 'core.public.missions',
        messages: [
          { key: Buffer.from('truncate'), value: Buffer.from('t'), partition: 2, headers: created },
          { key: Buffer.from('x'.repeat(70_000)), value: Buffer.from('é✓'), headers: created },
        ],
      },
    ];
    const decoded = decodeBatches(encodeBatches(batches));
    expect(decoded).toEqual(batches);
    // A header object used by several messages is listed once and shared again on the other side.
    expect(decoded[1]?.messages[0]?.headers).toBe(decoded[0]?.messages[0]?.headers);
    expect(decoded[0]?.messages[2]).not.toHaveProperty('partition');
  });

  it('produces a transferable buffer of its own, and refuses a damaged one', () => {
    const buffer = encodeBatches([
      { topic: 't', messages: [{ key: Buffer.from('k'), value: Buffer.from('v') }] },
    ]);
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(() => decodeBatches(buffer.slice(0, buffer.byteLength - 1))).toThrow();
  });
});
