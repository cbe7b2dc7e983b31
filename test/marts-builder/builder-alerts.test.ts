/**
 * The marts builder's alerts when it cannot even start a build (the analytics database refuses connections):
 * people hear of it from the third consecutive failure on, with the reason and no row data. The dbt failure
 * and the recovery are covered against the real stack in builder.test.ts.
 */
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/index.ts';
import type { Notifier, NotifyEvent } from '../../lib/notify/index.ts';
import { MartsBuilder } from '../../services/marts-builder/builder.ts';
import { createBuilderMetrics } from '../../services/marts-builder/metrics.ts';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const unreachablePool = { connect: async () => Promise.reject(refused) } as unknown as pg.Pool;
const builders: MartsBuilder[] = [];

function builder(notifier?: Notifier): MartsBuilder {
  const created = new MartsBuilder({
    pool: unreachablePool,
    admin: { fetchTopicOffsets: async () => [] },
    sinkGroupId: 'group',
    topics: [],
    dbt: { databaseUrl: 'postgres://x@127.0.0.1:1/analytics', threads: 1 },
    tickMs: 1_000,
    maxBackoffMs: 8_000,
    window: {
      begin: new Date('2026-09-01T00:00:00Z'),
      lookbackHours: 72,
      fullRebuildHours: 24,
      eventTimeSources: [],
    },
    logger: createLogger({ service: 'builder-alerts-test', level: 'silent' }),
    metrics: createBuilderMetrics(new Registry()),
    report: () => undefined,
    ...(notifier ? { notifier } : {}),
  });
  builders.push(created);
  return created;
}

afterEach(async () => {
  for (const created of builders.splice(0)) await created.stop();
});

describe('MartsBuilder alerts', () => {
  it('notifies a failure from the third consecutive failed build on', async () => {
    const events: NotifyEvent[] = [];
    const running = builder({ notify: (event) => events.push(event), close: async () => undefined });
    for (let tick = 0; tick < 4; tick++)
      expect(await running.buildOnce()).toMatchObject({ status: 'failed' });
    expect(events.map((event) => event.kind)).toEqual(['failure', 'failure']);
    expect(events[0]).toMatchObject({
      service: 'marts-builder',
      key: 'marts.build',
      title: 'marts build failed 3 times in a row',
      detail: 'connect ECONNREFUSED 127.0.0.1:5432',
      fields: { failing: 'the build could not start', 'consecutive failures': 3, 'next attempt in': '8 s' },
    });
  });

  it('works without a notifier, as before', async () => {
    const running = builder();
    for (let tick = 0; tick < 3; tick++)
      expect(await running.buildOnce()).toMatchObject({ status: 'failed' });
  });
});
