/** The demo's view of analytics_raw: live rows per table against the core tables, and a reset for a lost slot. */
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { allConnectors } from '../../connectors/index.ts';
import { quoteIdentifier } from '../../lib/postgres/index.ts';

export interface RawComparison {
  matches: boolean;
  tables: Record<string, { core: number; raw: number; deleted: number }>;
}

async function compare(core: pg.Pool, analytics: pg.Client): Promise<RawComparison> {
  const tables: RawComparison['tables'] = {};
  let matches = true;
  for (const connector of allConnectors) {
    const source = `${quoteIdentifier(connector.source.schema)}.${quoteIdentifier(connector.source.table)}`;
    const coreCount = Number(
      (await core.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${source}`)).rows[0]?.n,
    );
    const { rows } = await analytics.query<{ live: string; deleted: string }>(
      `SELECT count(*) FILTER (WHERE NOT _deleted)::text AS live, count(*) FILTER (WHERE _deleted)::text AS deleted
         FROM analytics_raw.${quoteIdentifier(connector.destination.table)}`,
    );
    const raw = Number(rows[0]?.live);
    tables[connector.name] = { core: coreCount, raw, deleted: Number(rows[0]?.deleted) };
    if (raw !== coreCount) matches = false;
  }
  return { matches, tables };
}

/** Waits (bounded) until every raw table has as many live rows as its core table. */
export async function waitForRawTables(
  core: pg.Pool,
  analyticsUrl: string,
  timeoutMs = 90_000,
): Promise<RawComparison> {
  const analytics = new pg.Client({ connectionString: analyticsUrl });
  await analytics.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const comparison = await compare(core, analytics);
      if (comparison.matches || Date.now() > deadline) return comparison;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await analytics.end();
  }
}

/**
 * Demo only, after its slot was lost: empties the raw tables and moves the sink's cursor to the end of every
 * topic. What the topics hold from before is missing the changes made while the slot was lost (deletes above
 * all), and the new slot's snapshot, produced after that end, copies every row again.
 */
export async function resetRawTables(
  analyticsUrl: string,
  kafka: Kafka,
  groupId: string,
  topicOf: (connector: (typeof allConnectors)[number]) => string,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const cursors: { topic: string; partition: number; next: string }[] = [];
  try {
    const existing = new Set(await admin.listTopics());
    for (const connector of allConnectors) {
      const topic = topicOf(connector);
      if (!existing.has(topic)) continue;
      for (const end of await admin.fetchTopicOffsets(topic)) {
        cursors.push({ topic, partition: end.partition, next: end.high });
      }
    }
  } finally {
    await admin.disconnect();
  }
  const analytics = new pg.Client({ connectionString: analyticsUrl });
  await analytics.connect();
  try {
    const tables = allConnectors.map(
      (connector) => `analytics_raw.${quoteIdentifier(connector.destination.table)}`,
    );
    await analytics.query('BEGIN');
    await analytics.query(`TRUNCATE ${tables.join(', ')}`);
    await analytics.query('DELETE FROM cdc.consumer_offsets WHERE consumer_group = $1', [groupId]);
    for (const cursor of cursors) {
      await analytics.query(
        'INSERT INTO cdc.consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4)',
        [groupId, cursor.topic, cursor.partition, cursor.next],
      );
    }
    await analytics.query('COMMIT');
  } finally {
    await analytics.end();
  }
}
