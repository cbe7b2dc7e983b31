/**
 * Repair requests, from the raw sink to the replication reader (the sink has no access to core; both have
 * Kafka): "re-read these keys of this table from core". The sink sends one when it cannot complete a row version
 * (unchanged TOAST without a value to keep, services/raw-sink/apply/incomplete-rows.ts); the reader re-reads
 * exactly those rows through its incremental snapshot machinery, so the re-read lands in order with the stream.
 *
 * `<prefix>.cdc-repairs`, one partition, kept a week. Delivery is at least once and may be lost without harm:
 * the sink keeps the waiting keys in its database and asks again, with backoff, until they are repaired. The
 * reader treats a request as untrusted input: parsed strictly, the table must be a connector, the key columns
 * exactly the connector's key, the values bound as parameters.
 */
import type { Admin } from 'kafkajs';
import { z } from 'zod';

export const repairTopic = (prefix: string): string => `${prefix}.cdc-repairs`;

/** A week: the sink asks again long before that if nothing happened. */
export const repairRetentionMs = 7 * 24 * 3600 * 1000;

/** Keys per request (and per key-targeted read): one chunk of the reader's select. */
export const maxKeysPerRequest = 500;

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/);

const repairRequestSchema = z.strictObject({
  version: z.literal(1),
  /** Connector name. */
  table: identifier,
  /** Source key columns → PostgreSQL text form, one object per row to re-read. */
  keys: z
    .array(z.record(identifier, z.string().max(10_000)))
    .min(1)
    .max(maxKeysPerRequest),
  /** Who asks (the sink's consumer group), for logs. */
  requestedBy: z.string().max(200),
});

export type RepairRequest = z.infer<typeof repairRequestSchema>;

export function encodeRepairRequest(request: RepairRequest): { key: string; value: string } {
  return { key: request.table, value: JSON.stringify(repairRequestSchema.parse(request)) };
}

/** The request, or the reason it is refused (never quoting the content: it may hold key values). */
export function parseRepairRequest(value: Buffer | null): { request: RepairRequest } | { refused: string } {
  if (!value || value.length > 2_000_000) return { refused: 'empty or oversized message' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { refused: 'not JSON' };
  }
  const parsed = repairRequestSchema.safeParse(json);
  if (!parsed.success) {
    const paths = [
      ...new Set(parsed.error.issues.map((issue) => (issue.path.join('.') || '(root)').slice(0, 60))),
    ];
    return { refused: `invalid fields: ${paths.slice(0, 5).join(', ')}` };
  }
  return { request: parsed.data };
}

/** Creates the topic when missing (the sink and the reader both do, whichever starts first). */
export async function ensureRepairTopic(admin: Admin, prefix: string): Promise<void> {
  const topic = repairTopic(prefix);
  if ((await admin.listTopics()).includes(topic)) return;
  await admin
    .createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [{ name: 'retention.ms', value: String(repairRetentionMs) }],
        },
      ],
    })
    .catch(async (error: unknown) => {
      if (!(await admin.listTopics()).includes(topic)) throw error;
    });
}
