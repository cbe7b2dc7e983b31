/**
 * `cdc status` on a real pipeline (reader and sink of the fixtures): lag shows while the sink is stopped under
 * load, in messages and in seconds, and the exit code says unhealthy; once a sink runs again and catches up,
 * lag is zero and the exit code says healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineState } from '../../services/ops/pipeline-state/state.ts';
import { SinkFixture, waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { runCdc } from '../support/cdc-cli.ts';

const reader = new ReaderFixture();
const fixture = new SinkFixture(reader);

async function status(
  args: string[] = ['--json'],
): Promise<{ code: number | null; state: PipelineState; stderr: string }> {
  const result = await runCdc(['status', ...args], {
    DATABASE_URL_CORE: reader.database.url('DATABASE_URL_CORE'),
    DATABASE_URL_ANALYTICS: fixture.url,
    KAFKA_TOPIC_PREFIX: reader.prefix,
    CDC_SLOT_NAME: reader.slot,
    SINK_GROUP_ID: fixture.groupId,
    // No service's /metrics here: reported as warnings, which do not change the exit code.
    OPS_READER_METRICS_URLS: 'http://127.0.0.1:9/metrics',
    OPS_SINK_METRICS_URLS: 'http://127.0.0.1:9/metrics',
    OPS_MARTS_METRICS_URLS: 'http://127.0.0.1:9/metrics',
  });
  return { code: result.code, state: JSON.parse(result.stdout) as PipelineState, stderr: result.stderr };
}

const notes = () => reader.topic('notes');

describe('cdc status', () => {
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
  }, 180_000);

  afterAll(async () => {
    await fixture.tearDown();
    await reader.tearDown();
  }, 120_000);

  it('reports lag while the sink is stopped under load, and none once it caught up; the exit code follows', async () => {
    const sink = await fixture.startSink();
    await reader.owner.query(`INSERT INTO notes SELECT g, 'first' FROM generate_series(1, 500) AS g`);
    await waitFor(() => fixture.caughtUp(notes(), 500), 'first catch-up', 60_000);

    const healthy = await status();
    expect(healthy.code, JSON.stringify(healthy.state.checks)).toBe(0);
    const group = healthy.state.consumers.find((candidate) => candidate.groupId === fixture.groupId);
    expect(group?.partitions.map((partition) => partition.topic)).toEqual([notes(), notes(), notes()]);
    expect(group?.lagMessages).toBe(0);
    expect(group?.members).toBe(1);
    expect(healthy.state.reader.slot).toMatchObject({ name: reader.slot, exists: true, active: true });

    // The sink stops; changes keep coming.
    await fixture.stopSink(sink);
    await reader.owner.query(`INSERT INTO notes SELECT g, 'second' FROM generate_series(501, 3500) AS g`);
    await waitFor(
      async () => {
        const admin = fixture.kafka.admin();
        await admin.connect();
        try {
          const ends = await admin.fetchTopicOffsets(notes());
          return ends.reduce((total, end) => total + Number(end.high), 0) >= 3500;
        } finally {
          await admin.disconnect();
        }
      },
      'the reader produced the new rows',
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const lagging = await status();
    expect(lagging.code).toBe(1);
    const behind = lagging.state.consumers[0];
    expect(behind?.lagMessages).toBe(3000);
    expect(behind?.members).toBe(0);
    // The oldest waiting message was produced at least the 1.5 s waited above ago.
    expect(behind?.lagSeconds).toBeGreaterThanOrEqual(1.5);
    expect(behind?.lagSeconds).toBeLessThan(120);
    for (const partition of behind?.partitions ?? []) {
      expect(partition.lagMessages).toBe(partition.endOffset - (partition.cursor ?? 0));
    }
    expect(lagging.state.checks.find((check) => check.id === `consumer.${fixture.groupId}`)).toMatchObject({
      level: 'fail',
    });

    // The table view says the same for people.
    const text = await runCdc(['status'], {
      DATABASE_URL_CORE: reader.database.url('DATABASE_URL_CORE'),
      DATABASE_URL_ANALYTICS: fixture.url,
      KAFKA_TOPIC_PREFIX: reader.prefix,
      CDC_SLOT_NAME: reader.slot,
      SINK_GROUP_ID: fixture.groupId,
      OPS_READER_METRICS_URLS: 'http://127.0.0.1:9/metrics',
      OPS_SINK_METRICS_URLS: 'http://127.0.0.1:9/metrics',
      OPS_MARTS_METRICS_URLS: 'http://127.0.0.1:9/metrics',
    });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`no sink is consuming group ${fixture.groupId} (lag 3,000 messages`);
    expect(text.stdout).toMatch(/^CDC pipeline: FAIL/);

    await fixture.startSink();
    await waitFor(() => fixture.caughtUp(notes(), 3500), 'catch-up after the restart', 90_000);
    const recovered = await status();
    expect(recovered.code, JSON.stringify(recovered.state.checks)).toBe(0);
    expect(recovered.state.consumers[0]).toMatchObject({ lagMessages: 0, lagSeconds: 0, members: 1 });
  }, 240_000);
});
