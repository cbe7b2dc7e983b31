/**
 * Keys of the events that name no row and go to every partition of a table's topic: truncates
 * (`cdc.TruncateKey`) and snapshot ends (`cdc.SnapshotEndKey`). Neither can collide with a row key, so
 * compaction never drops a row for them.
 *
 * They have a key each, not a shared one: compaction keeps only the latest record of a key per partition, and
 * the two do not stand in for each other. A snapshot end deletes the rows of its partition older than itself;
 * a truncate marks every older row deleted only under the connector's `truncate: 'apply'` policy (`record`
 * keeps them). With one key, a later truncate would erase an earlier snapshot end from a compacted topic (and
 * a consumer replaying it would keep rows the snapshot found gone). With two, the latest of each survives, and
 * each subsumes the earlier ones of its kind (it reaches further back).
 */
import type { Type } from 'avsc';
import { avroType } from '../../../lib/avro/index.ts';
import { frame, type SchemaRegistryClient } from '../../../lib/registry/index.ts';

export interface TableEventKeys {
  /** Confluent-framed `cdc.TruncateKey` of the table's topic. */
  truncate: Buffer;
  /** Confluent-framed `cdc.SnapshotEndKey` of the table's topic. */
  snapshotEnd: Buffer;
}

const keySchema = (name: 'TruncateKey' | 'SnapshotEndKey', doc: string) =>
  ({
    type: 'record',
    name,
    namespace: 'cdc',
    doc,
    fields: [{ name: 'table', type: 'string' }],
  }) as const;

const truncateKeySchema = keySchema(
  'TruncateKey',
  'Key of truncate events, sent to every partition of a table topic.',
);
const snapshotEndKeySchema = keySchema(
  'SnapshotEndKey',
  'Key of snapshot-end events (the end of a table snapshot), sent to every partition of a table topic.',
);

/** Registers both key schemas (under their record names) and returns the keys of each topic, cached. */
export async function tableEventKeys(
  registry: SchemaRegistryClient,
): Promise<(topic: string) => TableEventKeys> {
  const kinds: [keyof TableEventKeys, number, Type][] = [
    ['truncate', await registry.register('cdc.TruncateKey', truncateKeySchema), avroType(truncateKeySchema)],
    [
      'snapshotEnd',
      await registry.register('cdc.SnapshotEndKey', snapshotEndKeySchema),
      avroType(snapshotEndKeySchema),
    ],
  ];
  const byTopic = new Map<string, TableEventKeys>();
  return (topic) => {
    let keys = byTopic.get(topic);
    if (!keys) {
      const [truncate, snapshotEnd] = kinds.map(([, id, type]) => frame(id, type.toBuffer({ table: topic })));
      keys = { truncate: truncate as Buffer, snapshotEnd: snapshotEnd as Buffer };
      byTopic.set(topic, keys);
    }
    return keys;
  };
}
