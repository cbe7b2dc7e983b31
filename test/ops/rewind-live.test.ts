/**
 * `cdc rewind` against a running sink: the sink is never restarted, it notices the moved cursor (NOTIFY) and
 * re-seeks, replays converge, and Kafka's committed offsets end equal to the cursor. The dry run predicts the
 * real run exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicsToEnd } from '../../lib/kafka/read-to-end.ts';
import { SinkFixture, waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { runCdc } from '../support/cdc-cli.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);

interface Move {
  topic: string;
  partition: number;
  from: number | null;
  to: number;
}

function cdc(args: string[]) {
  return runCdc(args, {
    DATABASE_URL_ANALYTICS: fixture.url,
    KAFKA_TOPIC_PREFIX: reader.prefix,
    SINK_GROUP_ID: fixture.groupId,
    CDC_ACTOR: 'rewind-test',
  });
}

/** Updates rows of `notes` in a loop until stopped: live traffic while the cursor moves. */
function liveTraffic(): { stop: () => Promise<number> } {
  let running = true;
  let updates = 0;
  const loop = (async () => {
    while (running) {
      const id = 1 + (updates % 2000);
      await reader.owner.query('UPDATE notes SET body = $2, version = version + 1 WHERE id = $1', [
        id,
        `live ${updates}`,
      ]);
      updates++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return updates;
    },
  };
}

async function kafkaCommitted(): Promise<Map<string, number>> {
  const admin = fixture.kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId: fixture.groupId, topics: [reader.topic('notes')] });
    return new Map(
      (topic?.partitions ?? []).map((entry) => [`${topic?.topic}/${entry.partition}`, Number(entry.offset)]),
    );
  } finally {
    await admin.disconnect();
  }
}

async function storedCursor(): Promise<Map<string, number>> {
  const { rows } = await fixture.pool.query<{ topic: string; partition: number; next_offset: string }>(
    'SELECT topic, partition, next_offset::text FROM cdc.consumer_offsets WHERE consumer_group = $1',
    [fixture.groupId],
  );
  return new Map(rows.map((row) => [`${row.topic}/${row.partition}`, Number(row.next_offset)]));
}

describe('cdc rewind, live', () => {
  beforeAll(async () => {
    await reader.setUp('CREATE TABLE notes (id bigint PRIMARY KEY, body text, version integer NOT NULL);', [
      { name: 'notes', source: { schema: 'public', table: 'notes' }, destination: { table: 'notes' } },
    ]);
    await fixture.setUp();
    await fixture.createRawTable('notes', [
      { name: 'id', sqlType: 'bigint' },
      { name: 'body', sqlType: 'text' },
      { name: 'version', sqlType: 'integer' },
    ]);
    await reader.start();
    await fixture.startSink();
    await reader.owner.query(`INSERT INTO notes SELECT g, 'first', 1 FROM generate_series(1, 2000) AS g`);
    await waitFor(() => fixture.caughtUp(reader.topic('notes'), 2000), 'first catch-up', 90_000);
  }, 180_000);

  afterAll(async () => {
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('to earliest during live traffic rebuilds a raw table equal to the source, without a restart', async () => {
    // Raw loses its rows (a bad manual fix, say): only a replay brings them back.
    await fixture.pool.query('DELETE FROM analytics_raw.notes');
    const traffic = liveTraffic();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const dry = await cdc([
        'rewind',
        '--topic',
        reader.topic('notes'),
        '--to',
        'earliest',
        '--dry-run',
        '--json',
      ]);
      expect(dry.code, dry.stderr).toBe(0);
      const planned = JSON.parse(dry.stdout) as { moves: Move[] };
      expect(planned.moves.map((move) => move.to)).toEqual([0, 0, 0]);

      const result = await cdc(['rewind', '--topic', reader.topic('notes'), '--to', 'earliest', '--json']);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      const applied = JSON.parse(result.stdout) as {
        rewindId: number;
        moves: Move[];
        kafka: { by: string; waitedMs: number };
      };
      // The dry run predicted the real run's targets; the sink (never restarted) followed within seconds.
      expect(applied.moves.map((move) => move.to)).toEqual(planned.moves.map((move) => move.to));
      expect(applied.moves.every((move) => (move.from ?? 0) > 0)).toBe(true);
      expect(applied.kafka.by).toBe('sinks');
      expect(applied.kafka.waitedMs).toBeLessThan(15_000);

      const { rows: audit } = await fixture.pool.query<{ actor: string; target: string; moves: Move[] }>(
        'SELECT actor, target, moves FROM cdc.cursor_rewinds WHERE id = $1',
        [applied.rewindId],
      );
      expect(audit[0]).toMatchObject({ actor: 'rewind-test', target: 'earliest' });
      expect(audit[0]?.moves).toEqual(
        applied.moves.map(({ topic, partition, from, to }) => ({ topic, partition, from, to })),
      );
      const { rows: actions } = await fixture.pool.query(
        `SELECT 1 FROM cdc.operator_actions WHERE action = 'rewind' AND (details->>'rewindId')::bigint = $1`,
        [applied.rewindId],
      );
      expect(actions).toHaveLength(1);
    } finally {
      const updates = await traffic.stop();
      expect(updates).toBeGreaterThan(50);
    }
    const { rows } = await reader.owner.query<{ count: string }>('SELECT count(*)::text AS count FROM notes');
    expect(rows[0]?.count).toBe('2000');
    await waitFor(() => fixture.caughtUp(reader.topic('notes'), 2000), 'caught up after the rewind', 90_000);
    await waitFor(() => fixture.converged('notes', 'id, body, version'), 'raw equals core', 30_000);
    // The stored cursor and Kafka's committed offsets agree.
    await waitFor(
      async () =>
        JSON.stringify([...(await storedCursor())].sort()) ===
        JSON.stringify([...(await kafkaCommitted())].sort()),
      'Kafka committed offsets equal the cursor',
      15_000,
    );
  }, 240_000);

  it('to a time replays from the first offset produced at or after it, as the dry run said', async () => {
    await reader.owner.query(`UPDATE notes SET body = 'before', version = version + 1 WHERE id <= 300`);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const at = new Date();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await reader.owner.query(`UPDATE notes SET body = 'after', version = version + 1 WHERE id > 1700`);
    const topic = reader.topic('notes');
    await waitFor(async () => fixture.converged('notes', 'id, body, version'), 'raw equals core', 60_000);
    await waitFor(() => fixture.caughtUp(topic, 2000), 'caught up', 60_000);

    // What the time means, read from the topic itself: per partition, the first offset stamped at or after it.
    const expected = new Map<number, number>();
    const ends = new Map<number, number>();
    const admin = fixture.kafka.admin();
    await admin.connect();
    try {
      for (const bound of await admin.fetchTopicOffsets(topic)) ends.set(bound.partition, Number(bound.high));
      await readTopicsToEnd(
        fixture.kafka,
        admin,
        [topic],
        (record) => {
          if (record.timestamp >= at.getTime() && !expected.has(record.partition))
            expected.set(record.partition, record.offset);
        },
        { timeoutMs: 60_000, groupPrefix: 'rewind-test-scan' },
      );
    } finally {
      await admin.disconnect();
    }
    const wanted = [0, 1, 2].map((partition) => expected.get(partition) ?? ends.get(partition));
    expect(wanted.some((offset, partition) => offset !== ends.get(partition))).toBe(true);

    const dry = await cdc(['rewind', '--topic', topic, '--to-time', at.toISOString(), '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = (JSON.parse(dry.stdout) as { moves: Move[] }).moves;
    expect(planned.map((move) => move.to)).toEqual(wanted);

    const rewoundAt = (await fixture.pool.query<{ now: Date }>('SELECT now()')).rows[0]?.now as Date;
    const result = await cdc(['rewind', '--topic', topic, '--to-time', at.toISOString(), '--json']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect((JSON.parse(result.stdout) as { moves: Move[] }).moves.map((move) => move.to)).toEqual(wanted);

    // Replayed: exactly the rows whose latest version sits at or after the target offset of its partition.
    await waitFor(() => fixture.caughtUp(topic, 2000), 'caught up after the rewind', 60_000);
    const { rows } = await fixture.pool.query<{
      id: string;
      partition: number;
      offset: string;
      replayed: boolean;
    }>(
      `SELECT id::text, _kafka_partition AS partition, _kafka_offset::text AS offset, _ingested_at > $1 AS replayed
         FROM analytics_raw.notes`,
      [rewoundAt],
    );
    const wrong = rows.filter((row) => row.replayed !== Number(row.offset) >= (wanted[row.partition] ?? 0));
    expect(wrong).toEqual([]);
    expect(rows.filter((row) => row.replayed).length).toBeGreaterThanOrEqual(300);
    await waitFor(() => fixture.converged('notes', 'id, body, version'), 'raw equals core', 30_000);
  }, 240_000);

  it('refuses bad input with exit 64 and a message naming the problem', async () => {
    const topic = reader.topic('notes');
    const noTarget = await cdc(['rewind', '--topic', topic]);
    expect(noTarget.code).toBe(64);
    expect(noTarget.stderr).toContain('exactly one of --to');
    const unknown = await cdc(['rewind', '--topic', 'nope', '--to', 'earliest']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no topic nope in Kafka');
    const outOfRange = await cdc(['rewind', '--topic', topic, '--partition', '0', '--to-offset', '99999999']);
    expect(outOfRange.code).toBe(64);
    expect(outOfRange.stderr).toMatch(/offset 99999999 is outside .*notes\/0/);
    const badDuration = await cdc(['rewind', '--topic', reader.topic('notes'), '--ago', '10 minutes']);
    expect(badDuration.code).toBe(64);
    expect(badDuration.stderr).toContain('--ago must be a duration');
  }, 120_000);
});
