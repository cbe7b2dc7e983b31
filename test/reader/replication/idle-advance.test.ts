/**
 * An idle captured table next to a busy table that is not published: pgoutput sends nothing for the busy one
 * (PostgreSQL 15 skips empty transactions), so only keepalive confirmations can let the slot release WAL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLsn, lsnDistance, parseLsn } from '../../../lib/postgres/index.ts';
import type { ReplicationMessage } from '../../../services/replication-reader/replication/index.ts';
import { acknowledgeAll } from './acknowledging.ts';
import { createReplicationFixture, type ReplicationFixture } from './fixture.ts';

describe('idle slot advancement', () => {
  let fixture: ReplicationFixture;

  beforeAll(async () => {
    fixture = await createReplicationFixture(
      'repl_idle',
      ({ publication }) => `
        CREATE TABLE captured (id int PRIMARY KEY);
        CREATE TABLE busy (id serial PRIMARY KEY, payload text);
        GRANT SELECT ON captured TO cdc_reader;
        CREATE PUBLICATION ${publication} FOR TABLE captured;`,
    );
  });

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('confirms the keepalive position when nothing is in flight', async () => {
    const session = await fixture.started(undefined, { statusIntervalMs: 200 });
    const kinds: ReplicationMessage['kind'][] = [];
    const loop = acknowledgeAll(session, (message) => kinds.push(message.kind));
    const startedAt = await fixture.confirmedFlush();

    let target = 0n;
    for (let batch = 0; batch < 40; batch++) {
      await fixture.owner.query('BEGIN');
      await fixture.owner.query(
        `INSERT INTO busy (payload) SELECT repeat('w', 100) FROM generate_series(1, 250)`,
      );
      // Taken inside the transaction: the position before this commit record, which the slot must pass.
      const { rows } = await fixture.owner.query<{ lsn: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      );
      target = parseLsn(rows[0]?.lsn ?? '');
      await fixture.owner.query('COMMIT');
    }
    const writtenAt = Date.now();

    await expect
      .poll(() => fixture.confirmedFlush(), { timeout: 15_000, interval: 100 })
      .toBeGreaterThan(target);
    const elapsedMs = Date.now() - writtenAt;
    const advanced = lsnDistance(startedAt, await fixture.confirmedFlush());
    console.info(
      `idle advance: confirmed_flush_lsn ${formatLsn(startedAt)} → ${formatLsn(await fixture.confirmedFlush())}` +
        ` (${advanced} bytes) ${elapsedMs} ms after the last write`,
    );
    expect(advanced).toBeGreaterThan(1_000_000n);
    expect(elapsedMs).toBeLessThan(10_000);
    // Only keepalives came: the busy table's transactions are not sent at all.
    expect(new Set(kinds)).toEqual(new Set(['keepalive']));

    await session.stop();
    await loop;
  });
});
