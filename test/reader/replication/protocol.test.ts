import { describe, expect, it } from 'vitest';
import {
  encodeStatusUpdate,
  fromPostgresMicros,
  parseCopyData,
  postgresEpochMillis,
  toPostgresMicros,
} from '../../../services/replication-reader/replication/protocol.ts';

describe('replication protocol framing', () => {
  it('counts time from 2000-01-01 UTC, as PostgreSQL does', () => {
    expect(postgresEpochMillis).toBe(Date.UTC(2000, 0, 1));
    expect(toPostgresMicros(Date.UTC(2000, 0, 1))).toBe(0n);
    expect(toPostgresMicros(Date.UTC(2026, 10, 21, 10, 0, 0, 123))).toBe(848_570_400_123_000n);
    expect(fromPostgresMicros(848_570_400_123_000n)).toBe(Date.UTC(2026, 10, 21, 10, 0, 0, 123));
  });

  it('confirms exactly the given position in all three fields, never one more', () => {
    const now = Date.UTC(2026, 10, 21, 10, 0, 0);
    const message = encodeStatusUpdate(0x1_0000_0000n, now);
    expect(message).toHaveLength(34);
    expect(String.fromCharCode(message[0] ?? 0)).toBe('r');
    expect(message.readBigUInt64BE(1)).toBe(0x1_0000_0000n);
    expect(message.readBigUInt64BE(9)).toBe(0x1_0000_0000n);
    expect(message.readBigUInt64BE(17)).toBe(0x1_0000_0000n);
    expect(fromPostgresMicros(message.readBigInt64BE(25))).toBe(now);
    expect(message[33]).toBe(0);
    expect(encodeStatusUpdate(0n, now, true)[33]).toBe(1);
  });

  it('reads XLogData headers and payload', () => {
    const chunk = Buffer.alloc(25 + 3);
    chunk[0] = 0x77;
    chunk.writeBigUInt64BE(0x16b3748n, 1);
    chunk.writeBigUInt64BE(0x16b3800n, 9);
    chunk.writeBigInt64BE(toPostgresMicros(Date.UTC(2026, 0, 1)), 17);
    chunk.write('Bxy', 25);
    const parsed = parseCopyData(chunk);
    expect(parsed).toMatchObject({
      tag: 'xlogdata',
      dataStart: 0x16b3748n,
      walEnd: 0x16b3800n,
      serverTimeMillis: Date.UTC(2026, 0, 1),
    });
    expect(parsed.tag === 'xlogdata' && parsed.payload.toString()).toBe('Bxy');
  });

  it('reads primary keepalives with their reply request', () => {
    const chunk = Buffer.alloc(18);
    chunk[0] = 0x6b;
    chunk.writeBigUInt64BE(42n, 1);
    chunk.writeBigInt64BE(toPostgresMicros(Date.UTC(2026, 0, 1)), 9);
    chunk[17] = 1;
    expect(parseCopyData(chunk)).toEqual({
      tag: 'keepalive',
      walEnd: 42n,
      serverTimeMillis: Date.UTC(2026, 0, 1),
      replyRequested: true,
    });
  });

  it('refuses truncated and unknown messages', () => {
    expect(() => parseCopyData(Buffer.from([0x77, 0, 0]))).toThrow(/short XLogData/);
    expect(() => parseCopyData(Buffer.from([0x6b]))).toThrow(/short keepalive/);
    expect(() => parseCopyData(Buffer.from([0x41]))).toThrow(/unknown tag 0x41/);
    expect(() => parseCopyData(Buffer.alloc(0))).toThrow(/unknown tag none/);
  });
});
