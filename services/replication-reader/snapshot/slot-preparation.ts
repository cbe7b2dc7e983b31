/**
 * Decides, before streaming, whether the slot needs an initial snapshot:
 * - no slot: create it with an exported snapshot (the caller copies the tables, then marks the slot done);
 * - a slot whose snapshot is marked in progress (the reader died while copying): drop it and start over;
 * - otherwise: stream from its confirmed position.
 */
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../../../lib/logging/index.ts';
import { formatLsn } from '../../../lib/postgres/index.ts';
import { dropSlot, readSlotStatus } from '../../../lib/source/slot.ts';
import { createSlotWithSnapshot, type ExportedSnapshotSlot } from '../../../lib/source/slot-snapshot.ts';
import { ensureStateTopic, readSlotState, stateTopic, writeSlotState } from './state.ts';

export interface SlotPreparation {
  /** Present when the tables must be copied before streaming; close it once the copy transaction began. */
  snapshot?: ExportedSnapshotSlot;
  markSnapshotDone(): Promise<void>;
}

export async function prepareSlot(options: {
  catalog: pg.Client;
  coreUrl: string;
  slot: string;
  kafka: Kafka;
  admin: Admin;
  prefix: string;
  replicationFactor: number;
  logger: Logger;
}): Promise<SlotPreparation> {
  const { catalog, slot, kafka, admin, logger } = options;
  const topic = stateTopic(options.prefix);
  await ensureStateTopic(admin, topic, options.replicationFactor);
  let existing = await readSlotStatus(catalog, slot);
  if (existing && (await readSlotState(kafka, admin, topic, slot))?.snapshot === 'in-progress') {
    logger.warn(
      { slot },
      'the initial snapshot of this slot was interrupted: dropping the slot and starting over',
    );
    await dropSlot(catalog, slot);
    existing = null;
  }
  if (existing) return { markSnapshotDone: async () => undefined };
  const snapshot = await createSlotWithSnapshot(options.coreUrl, slot);
  const consistentPoint = formatLsn(snapshot.consistentPoint);
  await writeSlotState(kafka, topic, slot, {
    snapshot: 'in-progress',
    consistentPoint,
    updatedAt: new Date().toISOString(),
  });
  logger.info(
    { slot, consistentPoint },
    'slot created with an exported snapshot: copying the captured tables',
  );
  return {
    snapshot,
    markSnapshotDone: () =>
      writeSlotState(kafka, topic, slot, {
        snapshot: 'done',
        consistentPoint,
        updatedAt: new Date().toISOString(),
      }),
  };
}
