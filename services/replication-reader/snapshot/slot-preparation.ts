/**
 * Decides, before streaming, whether the slot needs an initial snapshot:
 * - no slot: create it with an exported snapshot (the caller copies the tables, then marks the slot done);
 * - no slot, but the state topic knows it (dropped underneath the pipeline): the same, loudly. The changes
 *   made while it was missing were never streamed: the copy brings every row's current value, and each
 *   table's snapshot end marks deleted the raw rows the copy no longer holds, so raw converges to the source;
 *   only the intermediate versions of that period are lost to raw;
 * - a slot whose snapshot is marked in progress (the reader died while copying): drop it and start over;
 * - otherwise: stream from its confirmed position.
 */
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../../../lib/logging/index.ts';
import { formatLsn } from '../../../lib/postgres/index.ts';
import {
  ensureStateTopic,
  readSlotState,
  stateTopic,
  writeSlotState,
} from '../../../lib/source/reader-state.ts';
import { dropSlot, readSlotStatus } from '../../../lib/source/slot.ts';
import { createSlotWithSnapshot, type ExportedSnapshotSlot } from '../../../lib/source/slot-snapshot.ts';

export interface SlotPreparation {
  /** Present when the tables must be copied before streaming; close it once the copy transaction began. */
  snapshot?: ExportedSnapshotSlot;
  /**
   * Captured tables the existing slot's snapshot never copied (connectors added later); the reader copies them
   * with an incremental snapshot. They stream their new
   * changes only, until an operator re-snapshots them.
   */
  neverSnapshotted: string[];
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
  /** Names of the captured tables (connectors). */
  tables: string[];
  logger: Logger;
}): Promise<SlotPreparation> {
  const { catalog, slot, kafka, admin, logger } = options;
  const topic = stateTopic(options.prefix);
  await ensureStateTopic(admin, topic, options.replicationFactor);
  let existing = await readSlotStatus(catalog, slot);
  const state = await readSlotState(kafka, admin, topic, slot);
  if (!existing && state?.snapshot === 'done') {
    logger.error(
      { slot, snapshotConsistentPoint: state.consistentPoint, stateUpdatedAt: state.updatedAt },
      `slot ${slot} vanished (dropped outside the pipeline): changes made since the reader last ran were ` +
        'never streamed. Re-creating it and copying every captured table again; the copy ends mark deleted ' +
        'the raw rows deleted meanwhile. Find out who dropped it: until this copy ends, raw is behind.',
    );
  }
  if (existing && state?.snapshot === 'in-progress') {
    logger.warn(
      { slot },
      'the initial snapshot of this slot was interrupted: dropping the slot and starting over',
    );
    await dropSlot(catalog, slot);
    existing = null;
  }
  if (existing) {
    // Unknown history (no state, or a state from before table lists): nothing to say about individual tables.
    const copied = state?.tables ? new Set(state.tables) : undefined;
    const neverSnapshotted = copied ? options.tables.filter((table) => !copied.has(table)) : [];
    if (neverSnapshotted.length > 0) {
      logger.info(
        { slot, tables: neverSnapshotted },
        'these captured tables were added after the slot was snapshotted: their existing rows are copied by an ' +
          'incremental snapshot while streaming (unless one already finished)',
      );
    }
    return { neverSnapshotted, markSnapshotDone: async () => undefined };
  }
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
    neverSnapshotted: [],
    markSnapshotDone: () =>
      writeSlotState(kafka, topic, slot, {
        snapshot: 'done',
        consistentPoint,
        tables: options.tables,
        updatedAt: new Date().toISOString(),
      }),
  };
}
