/**
 * A pooled client for the length of one piece of work. node-postgres listens for errors only on idle
 * clients: a checked-out client whose connection drops between two queries (a database restart, a network
 * cut) emits an `error` nobody handles, and the process dies of an uncaught exception. Here the error is
 * kept instead (the next query on that client fails anyway, and the caller's retry policy decides), and a
 * client that saw one is destroyed on release rather than returned to the pool.
 */
import type pg from 'pg';

export async function withPooledClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    broken ??= error instanceof Error && isConnectionLoss(error) ? error : undefined;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

function isConnectionLoss(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && (code.startsWith('08') || code === 'ECONNRESET' || code === 'EPIPE')) ||
    /Connection terminated|connection error/i.test(error.message)
  );
}
