import { describe, expect, it } from 'vitest';
import { backoffDelay, withBackoff } from '../../lib/retry/backoff.ts';

const transient = () => Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });

describe('withBackoff', () => {
  it('grows the delay exponentially up to the cap', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('retries transient errors until success', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withBackoff(
      async () => {
        calls++;
        if (calls < 3) throw transient();
        return 'done';
      },
      {
        attempts: 5,
        initialDelayMs: 1,
        maxDelayMs: 4,
        random: () => 1,
        onRetry: (_e, _a, ms) => delays.push(ms),
      },
    );
    expect(result).toBe('done');
    expect(delays).toEqual([1, 2]);
  });

  it('gives up after the attempt budget and rethrows the last error', async () => {
    let calls = 0;
    await expect(
      withBackoff(
        async () => {
          calls++;
          throw transient();
        },
        { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
      ),
    ).rejects.toThrow('refused');
    expect(calls).toBe(3);
  });

  it('does not retry fatal errors', async () => {
    let calls = 0;
    await expect(
      withBackoff(
        async () => {
          calls++;
          throw new TypeError('bug');
        },
        { attempts: 5, initialDelayMs: 1, maxDelayMs: 1 },
      ),
    ).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });
});
