/**
 * No NULL (and no stale value) ever stands in for a value: an update that leaves a TOASTed column unchanged
 * carries a marker, not the value, and the sink can keep its raw value only when raw holds the version just
 * before. Every other case is set aside and repaired from core, by key, through the reader (real reader, real
 * sink, a topic Kafka really compacts):
 * - the insert went to the dead-letter topic, so raw has no row (and the raw column is NOT NULL);
 * - the sink resumes after compaction removed the version that changed the large column: raw's row is older
 *   than the one the marker refers to;
 * - a new consumer group replays the compacted topic into an empty table: the key's only record is the update.
 * Each ends with raw equal to core, the large column included, and no version waiting for a repair.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { createCompactedTopic, waitUntilCompacted } from '../support/compacted-topic.ts';
import { SinkFixture, waitFor } from './support/sink-fixture.ts';

const reader = new ReaderFixture();
const resumed = new SinkFixture(reader);
const late = new SinkFixture(reader);

/** ~40 kB that does not compress much: stored out of line (TOAST), so an update elsewhere leaves it unchanged. */
const bigBody = (seed: string) =>
  `SELECT string_agg(md5('${seed}' || g), '') FROM generate_series(1, 1200) AS g`;

async function rawDocs(fixture: SinkFixture): Promise<string> {
  const { rows } = await fixture.pool.query(
    'SELECT id, note, md5(body) AS body FROM analytics_raw.docs WHERE NOT _deleted ORDER BY id',
  );
  return JSON.stringify(rows);
}

async function coreDocs(): Promise<string> {
  const { rows } = await reader.owner.query('SELECT id, note, md5(body) AS body FROM docs ORDER BY id');
  return JSON.stringify(rows);
}

async function waiting(fixture: SinkFixture): Promise<number> {
  const { rows } = await fixture.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM cdc.incomplete_rows',
  );
  return rows[0]?.n ?? 0;
}

async function setUpSink(fixture: SinkFixture): Promise<void> {
  await fixture.setUp();
  await fixture.createRawTable('docs', [
    { name: 'id', sqlType: 'bigint' },
    { name: 'note', sqlType: 'text' },
    // NOT NULL in raw: a NULL standing in for the value would send the change to the dead-letter topic.
    { name: 'body', sqlType: 'text NOT NULL' },
  ]);
}

describe('unchanged TOAST on rows raw cannot complete', () => {
  beforeAll(async () => {
    await reader.setUp('CREATE TABLE docs (id bigint PRIMARY KEY, note text NOT NULL, body text NOT NULL);', [
      {
        name: 'docs',
        source: { schema: 'public', table: 'docs' },
        destination: { table: 'docs' },
        transform: (row) => {
          if (row.note === 'poison') throw new Error('this transform cannot handle the row');
          return row;
        },
      },
    ]);
    await createCompactedTopic(reader.kafka, reader.topic('docs'));
    for (let id = 1; id <= 6; id++) {
      await reader.owner.query(`INSERT INTO docs SELECT ${id}, 'ok', (${bigBody(`row${id}`)})`);
    }
    await reader.owner.query(`INSERT INTO docs SELECT 7, 'poison', (${bigBody('row7')})`);
    await Promise.all([setUpSink(resumed), setUpSink(late)]);
    await reader.start();
  }, 180_000);

  afterEach(async () => {
    for (const fixture of [resumed, late]) await fixture.stopSinks();
  }, 60_000);

  afterAll(async () => {
    for (const fixture of [resumed, late]) await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('repairs a row whose insert was dead-lettered, into a NOT NULL raw column', async () => {
    await resumed.startSink();
    await waitFor(() => resumed.caughtUp(reader.topic('docs'), 7), 'first catch-up', 90_000);
    // Only the body is large; the note changes: the update carries the unchanged-TOAST marker for the body.
    await reader.owner.query(`UPDATE docs SET note = 'fixed' WHERE id = 7`);
    await waitFor(async () => (await rawDocs(resumed)) === (await coreDocs()), 'raw equals core', 90_000);
    await waitFor(async () => (await waiting(resumed)) === 0, 'nothing left to repair', 60_000);
  }, 180_000);

  it('repairs a row whose raw version is older than the one the marker refers to (compaction)', async () => {
    // The sink is stopped; row 2's body changes, then its note (body unchanged); compaction keeps only the latter.
    await reader.owner.query(`UPDATE docs SET body = (${bigBody('row2-v2')}) WHERE id = 2`);
    await reader.owner.query(`UPDATE docs SET note = 'v3' WHERE id = 2`);
    await reader.owner.query(`UPDATE docs SET note = 'touched' WHERE id = 3`);
    let filler = 0;
    await waitUntilCompacted({
      kafka: reader.kafka,
      registry: reader.registry,
      topic: reader.topic('docs'),
      write: async () => {
        await reader.owner.query(`UPDATE docs SET note = $1 WHERE id = 6`, [`filler ${filler++}`]);
      },
      compacted: (records) => records.filter((record) => JSON.parse(record.key).id === '2').length === 1,
    });
    await resumed.startSink();
    await waitFor(async () => (await rawDocs(resumed)) === (await coreDocs()), 'raw equals core', 90_000);
    await waitFor(async () => (await waiting(resumed)) === 0, 'nothing left to repair', 60_000);
  }, 240_000);

  it('repairs a compacted topic replayed by a new group into an empty raw table', async () => {
    await late.startSink();
    await waitFor(async () => (await rawDocs(late)) === (await coreDocs()), 'raw equals core', 120_000);
    await waitFor(async () => (await waiting(late)) === 0, 'nothing left to repair', 60_000);
    const { rows } = await late.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM analytics_raw.docs WHERE body IS NULL',
    );
    expect(rows[0]?.n).toBe(0);
  }, 180_000);
});
