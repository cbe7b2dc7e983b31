/**
 * The consumer's fetch position can fall behind the stored cursor (an assignment seek racing the first
 * batch, a redelivery): whole batches of changes applied already then arrive. The sink must skip them and
 * jump to its cursor, not fetch the same applied range again forever. Small fetches make every batch after
 * the seek back lie entirely below the cursor.
 */
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);

describe('raw sink: a fetch position behind the stored cursor', () => {
  beforeAll(async () => {
    await reader.setUp('CREATE TABLE notes (id bigint PRIMARY KEY, body text);', [
      { name: 'notes', source: { schema: 'public', table: 'notes' }, destination: { table: 'notes' } },
    ]);
    await fixture.setUp();
    await fixture.createRawTable('notes', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'body', sqlType: 'text' },
    ]);
    await reader.start();
  }, 120_000);

  afterAll(async () => {
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('skips what it applied already and catches up', async () => {
    const sink = await fixture.startSink({ fetchMaxBytesPerPartition: 16 * 1024 });
    await reader.owner.query(
      `INSERT INTO notes SELECT g, repeat('x', 200) FROM generate_series(1, 3000) AS g`,
    );
    await waitFor(() => fixture.caughtUp(reader.topic('notes'), 3000), 'first catch-up', 90_000);

    // Back to the start of every partition, far behind the stored cursor.
    const consumer = (sink as unknown as { consumer: Consumer }).consumer;
    for (const partition of [0, 1, 2])
      consumer.seek({ topic: reader.topic('notes'), partition, offset: '0' });
    await reader.owner.query(`INSERT INTO notes SELECT g, 'after' FROM generate_series(3001, 3100) AS g`);
    await waitFor(
      () => fixture.caughtUp(reader.topic('notes'), 3100),
      'catch-up after the seek back',
      30_000,
    );
    await waitFor(() => fixture.converged('notes', 'id, body'), 'raw equals core', 10_000);
  }, 180_000);
});
