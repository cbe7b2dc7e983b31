import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../lib/errors/index.ts';
import { positionOfTombstone, tombstoneHeaders } from '../../lib/kafka/change-headers.ts';

const position = {
  commitLsn: 2n ** 40n + 7n,
  lsn: 2n ** 40n + 3n,
  committedAtMicros: 1_765_000_000_000_000n,
};

function decodeFailure(headers: Parameters<typeof positionOfTombstone>[0]): PipelineError {
  try {
    positionOfTombstone(headers);
  } catch (error) {
    return error as PipelineError;
  }
  throw new Error('expected a decoding failure');
}

describe('tombstone position headers', () => {
  it('round-trips the position, as strings and as the bytes Kafka delivers', () => {
    const headers = tombstoneHeaders(position);
    expect(headers['cdc-op']).toBe('tombstone');
    expect(positionOfTombstone(headers)).toEqual(position);
    const asBytes = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)]),
    );
    expect(positionOfTombstone(asBytes)).toEqual(position);
  });

  it('says "no position" for tombstones of older readers (no position headers at all)', () => {
    expect(positionOfTombstone(undefined)).toBeUndefined();
    expect(positionOfTombstone({ 'cdc-op': 'tombstone' })).toBeUndefined();
  });

  it.each([
    ['hexadecimal', { 'cdc-commit-lsn': '0x10' }],
    ['negative', { 'cdc-lsn': '-1' }],
    ['beyond 64 bits', { 'cdc-commit-lsn': '18446744073709551616' }],
    ['a time beyond a signed long', { 'cdc-ts-us': '9223372036854775808' }],
    ['spaces', { 'cdc-lsn': ' 12' }],
    ['huge', { 'cdc-lsn': '9'.repeat(5000) }],
  ])('refuses a malformed header (%s) as a decoding failure, without quoting it', (_, bad) => {
    const headers = { ...tombstoneHeaders(position), ...bad };
    const error = decodeFailure(headers);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.code).toBe('DECODE_FAILED');
    for (const value of Object.values(bad)) expect(error.message).not.toContain(value.slice(0, 10));
  });

  it('refuses a partial set and a repeated header', () => {
    expect(decodeFailure({ 'cdc-commit-lsn': '10' }).code).toBe('DECODE_FAILED');
    expect(decodeFailure({ ...tombstoneHeaders(position), 'cdc-lsn': ['1', '2'] }).code).toBe(
      'DECODE_FAILED',
    );
  });
});
