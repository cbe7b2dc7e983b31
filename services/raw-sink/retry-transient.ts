/**
 * A transient failure (the analytics database or the registry away) is retried with backoff, with a heartbeat
 * between attempts so the group keeps the partition: the slice is applied again from the stored cursor,
 * nothing is skipped. Bounded: after a few minutes the error goes up, kafkajs restarts the consumer and the
 * wait goes on from the stored cursor.
 */
import type { EachBatchPayload } from 'kafkajs';
import { classifyError } from '../../lib/errors/index.ts';
import type { Logger } from '../../lib/logging/index.ts';

const giveUpAfterMs = 180_000;

export async function retryTransient<T>(
  work: () => Promise<T>,
  options: {
    control: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>;
    logger: Logger;
    where: { topic: string; partition: number };
  },
): Promise<T> {
  const { control, logger, where } = options;
  const deadline = Date.now() + giveUpAfterMs;
  let delayMs = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (classifyError(error) !== 'retry' || Date.now() > deadline) throw error;
      if (!control.isRunning() || control.isStale()) throw error;
      logger.warn(
        { err: error, ...where, attempt, delayMs },
        'transient failure; the slice is applied again after a pause',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 10_000);
      await control.heartbeat();
    }
  }
}
