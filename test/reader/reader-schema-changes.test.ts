/**
 * Schema changes while streaming: ADD COLUMN and DROP COLUMN flow with a new schema version registered before
 * the first event that needs it; a change the registry rejects pauses that table alone (the others stream on)
 * with a metric and nothing confirmed past it, and the table resumes by itself once an operator decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../support/names.ts';
import { type DecodedEvent, ReaderFixture } from './support/reader-fixture.ts';

type Created = { op: string; after: Record<string, unknown> & { id: bigint } };

function creates(events: DecodedEvent[]): Created['after'][] {
  return events.flatMap((event) => {
    const value = event.value as Created | null;
    return value?.op === 'c' ? [value.after] : [];
  });
}

async function versions(subject: string): Promise<number[]> {
  const response = await fetch(`${requireEnv('SCHEMA_REGISTRY_URL')}/subjects/${subject}/versions`);
  return (await response.json()) as number[];
}

const fixture = new ReaderFixture();

describe('schema changes while streaming', () => {
  beforeAll(async () => {
    await fixture.setUp(
      'CREATE TABLE notes (id bigint PRIMARY KEY, body text); CREATE TABLE tags (id bigint PRIMARY KEY, label text);',
      [
        { name: 'notes', source: { schema: 'public', table: 'notes' }, destination: { table: 'notes' } },
        { name: 'tags', source: { schema: 'public', table: 'tags' }, destination: { table: 'tags' } },
      ],
    );
    await fixture.start();
  });

  afterAll(async () => {
    await fixture.tearDown();
  });

  it('streams through ADD COLUMN and DROP COLUMN with a new schema version each', async () => {
    await fixture.owner.query(`INSERT INTO notes VALUES (1, 'before')`);
    await fixture.owner.query('ALTER TABLE notes ADD COLUMN priority integer');
    await fixture.owner.query(`INSERT INTO notes VALUES (2, 'added', 5)`);
    await fixture.owner.query('ALTER TABLE notes DROP COLUMN body');
    await fixture.owner.query('INSERT INTO notes VALUES (3, 7)');
    const topic = fixture.topic('notes');
    const rows = creates(await fixture.read(topic, (all) => creates(all).length >= 3));
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(1n)).toEqual({ id: 1n, body: 'before' });
    expect(byId.get(2n)).toEqual({ id: 2n, body: 'added', priority: 5 });
    expect(byId.get(3n)).toEqual({ id: 3n, priority: 7 });
    expect(await versions(`${topic}-value`)).toEqual([1, 2, 3]);
  });

  it('pauses only the table whose change the registry rejects, loses nothing, and resumes it by itself', async () => {
    const topic = fixture.topic('notes');
    // Runs alone too: make sure an integer `priority` was streamed (and registered) before changing its type.
    await fixture.owner.query('ALTER TABLE notes ADD COLUMN IF NOT EXISTS priority integer');
    await fixture.owner.query('INSERT INTO notes (id, priority) VALUES (10, 1)');
    await fixture.read(topic, (all) => creates(all).some((row) => row.id === 10n));
    // int -> text cannot read the data written before: not BACKWARD compatible.
    await fixture.owner.query('ALTER TABLE notes ALTER COLUMN priority TYPE text');
    await fixture.owner.query(`INSERT INTO notes (id, priority) VALUES (4, 'urgent')`);
    const afterChange = await fixture.currentWalLsn();
    // The other table keeps streaming meanwhile, in transactions before and after the paused change.
    await fixture.owner.query(`INSERT INTO tags VALUES (1, 'while paused')`);
    const tags = creates(
      await fixture.read(fixture.topic('tags'), (all) => creates(all).some((row) => row.id === 1n)),
    );
    expect(tags.map((row) => row.id)).toContain(1n);
    await fixture.waitForMetric('cdc_reader_table_paused', 'notes', 1);
    expect(fixture.notifications).toMatchObject([
      { kind: 'pause', key: 'table:notes', fields: { table: 'notes', topic } },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // several status intervals
    expect(await fixture.confirmedFlushLsn()).toBeLessThan(afterChange);
    const notes = creates(await fixture.read(topic, (all) => creates(all).some((row) => row.id === 10n)));
    expect(notes.some((row) => row.id === 4n)).toBe(false);

    // The operator accepts the break for this subject, with Apicurio's own API (it ignores a subject-level NONE
    // set through the Confluent API); the reader notices on its own and replays the slot to stream the row.
    const replaysBefore = fixture.replays;
    const registryRoot = requireEnv('SCHEMA_REGISTRY_URL').replace(/\/apis\/ccompat\/v7\/?$/, '');
    const response = await fetch(
      `${registryRoot}/apis/registry/v3/groups/default/artifacts/${topic}-value/rules`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'NONE' }),
      },
    );
    expect(response.status).toBe(204);
    const rows = creates(await fixture.read(topic, (all) => creates(all).some((row) => row.id === 4n)));
    expect(rows.find((row) => row.id === 4n)).toMatchObject({ id: 4n, priority: 'urgent' });
    expect(fixture.replays).toBeGreaterThan(replaysBefore);
    await fixture.waitForMetric('cdc_reader_table_paused', 'notes', 0);
    expect(fixture.notifications.map((event) => [event.kind, event.key])).toEqual([
      ['pause', 'table:notes'],
      ['resume', 'table:notes'],
    ]);
    const confirmedPast = async () => (await fixture.confirmedFlushLsn()) >= afterChange;
    for (let attempt = 0; attempt < 50 && !(await confirmedPast()); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await confirmedPast()).toBe(true);
  });
});
