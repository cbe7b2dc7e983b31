/**
 * Kafka compacting the change topics during the run, for real: the reader creates them compacted but keeps the
 * last hour out of reach (`min.compaction.lag.ms`), so a run of minutes would never see a compaction. Once the
 * topics exist, their settings are replaced with ones that compact within seconds (the settings of
 * test/support/compacted-topic.ts: segments rolled every second, no lag, a tiny dirty ratio, tombstones kept for
 * a week), and the broker's cleaner looks for work every second. At the end, `countCompaction` says how much was
 * compacted away, delete events above all: a tombstone whose delete event is gone proves a sink had to apply
 * the tombstone itself.
 */
import kafkajs from 'kafkajs';
import { allConnectors, connectorCatalogue } from '../../connectors/index.ts';
import { changeHeaders } from '../../lib/kafka/change-headers.ts';
import { readTopicsToEnd } from '../../lib/kafka/read-to-end.ts';
import { repairTopic } from '../../lib/kafka/repair-requests.ts';
import { defaultTombstoneRetentionMs } from '../../lib/kafka/topics.ts';
import type { ChaosEnvironment } from './environment.ts';

/** What compaction left of one change topic (counts only, never keys or values). */
export interface TopicCompaction {
  topic: string;
  /** Offsets handed out (sum of the partitions' end offsets; transaction markers included). */
  offsets: number;
  /** Messages still there. */
  records: number;
  deleteEvents: number;
  tombstones: number;
  /** Tombstones with no delete event of their key before them: the delete event was compacted away. */
  deletesCompactedAway: number;
}

export interface CompactionReport {
  /** Topics whose settings were changed, and whether the broker took the faster cleaner. */
  configured: string[];
  cleanerBackoffMs: number | null;
  topics: TopicCompaction[];
  deletesCompactedAway: number;
  /**
   * Repair requests the sinks sent the reader (`<prefix>.cdc-repairs`): updates with unchanged TOAST they could
   * not fill (the versions before them compacted away, or never read) and asked core for again by key.
   */
  repairRequests: number;
}

/** Replaces every dynamic setting of a topic (AlterConfigs is not incremental): the reader's ones come too. */
const fastCompaction = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'delete.retention.ms', value: String(defaultTombstoneRetentionMs) },
  { name: 'max.message.bytes', value: String(4 * 1024 * 1024) },
  { name: 'min.compaction.lag.ms', value: '0' },
  { name: 'segment.ms', value: '1000' },
  { name: 'min.cleanable.dirty.ratio', value: '0.01' },
];

const cleanerBackoffMs = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function kafkaOf(environment: ChaosEnvironment, clientId: string): kafkajs.Kafka {
  return new kafkajs.Kafka({
    clientId,
    brokers: environment.broker.brokers,
    logLevel: kafkajs.logLevel.NOTHING,
  });
}

function changeTopics(environment: ChaosEnvironment): string[] {
  const catalogue = connectorCatalogue(environment.prefix);
  return allConnectors.map((connector) => catalogue.topicOf(connector));
}

/**
 * Sets fast compaction on every change topic (waiting, bounded, until the reader has created them all) and the
 * broker's cleaner backoff. Retried through a broker fault; the settings live in the broker's metadata log, so
 * they survive its restarts.
 */
export async function compactChangeTopics(
  environment: ChaosEnvironment,
  log: (line: string) => void,
  timeoutMs = 120_000,
): Promise<Pick<CompactionReport, 'configured' | 'cleanerBackoffMs'>> {
  const topics = changeTopics(environment);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const admin = kafkaOf(environment, 'chaos-compaction').admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic));
      if (missing.length > 0) throw new Error(`topics not created yet: ${missing.join(', ')}`);
      await admin.alterConfigs({
        validateOnly: false,
        resources: topics.map((name) => ({
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name,
          configEntries: fastCompaction,
        })),
      });
      // A cluster-wide setting the broker takes at run time; without it the cleaner looks every 15 s.
      let backoff: number | null = cleanerBackoffMs;
      await admin
        .alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: kafkajs.ConfigResourceTypes.BROKER,
              name: '1',
              configEntries: [{ name: 'log.cleaner.backoff.ms', value: String(cleanerBackoffMs) }],
            },
          ],
        })
        .catch((error: Error) => {
          backoff = null;
          log(`the broker refused log.cleaner.backoff.ms (${error.message}); its cleaner looks every 15 s`);
        });
      log(`change topics compact within seconds now (${topics.length} topics)`);
      return { configured: topics, cleanerBackoffMs: backoff };
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`could not set fast compaction on the change topics: ${(error as Error).message}`);
      if (attempt % 10 === 1) log(`fast compaction not set yet (${(error as Error).message}); retrying`);
      await sleep(1_000);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/**
 * Reads every change topic to its end and counts, per topic, the delete events and tombstones left, and the
 * tombstones whose delete event was compacted away (the reader writes a delete event, then its tombstone, on
 * the same partition: a tombstone with no delete event of the same key since the key's previous tombstone
 * lost it to compaction). Keys are compared as bytes and never kept beyond the scan.
 */
export async function countCompaction(
  environment: ChaosEnvironment,
): Promise<Pick<CompactionReport, 'topics' | 'repairRequests'>> {
  const kafka = kafkaOf(environment, 'chaos-compaction-count');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const results: TopicCompaction[] = [];
    for (const topic of changeTopics(environment)) {
      const offsets = (await admin.fetchTopicOffsets(topic)).reduce((sum, end) => sum + Number(end.high), 0);
      const counts: TopicCompaction = {
        topic,
        offsets,
        records: 0,
        deleteEvents: 0,
        tombstones: 0,
        deletesCompactedAway: 0,
      };
      // Per partition, keys with a delete event not yet followed by their tombstone.
      const pending = new Map<number, Set<string>>();
      await readTopicsToEnd(
        kafka,
        admin,
        [topic],
        (record) => {
          counts.records++;
          const key = record.key?.toString('base64') ?? '';
          const open = pending.get(record.partition) ?? new Set<string>();
          pending.set(record.partition, open);
          const op = record.headers[changeHeaders.op]?.[0]?.toString();
          if (record.value === null) {
            counts.tombstones++;
            if (!open.delete(key)) counts.deletesCompactedAway++;
          } else if (op === 'd') {
            counts.deleteEvents++;
            open.add(key);
          }
        },
        { timeoutMs: 120_000, groupPrefix: 'chaos-compaction' },
      );
      results.push(counts);
    }
    const repairs = repairTopic(environment.prefix);
    const repairRequests = (await admin.listTopics()).includes(repairs)
      ? (await admin.fetchTopicOffsets(repairs)).reduce((sum, end) => sum + Number(end.high), 0)
      : 0;
    return { topics: results, repairRequests };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
