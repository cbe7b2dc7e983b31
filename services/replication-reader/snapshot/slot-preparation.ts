/**
 * Carries out, before streaming, what slot-start.ts decides about the slot and its initial snapshot.
 *
 * The slot and its state live in two systems (PostgreSQL and Kafka) that no transaction spans, so every step
 * that changes the slot is preceded by a state write saying so, through the fenced store:
 * - creating: `creating` (a fresh instance id) before CREATE_REPLICATION_SLOT, `in-progress` with the consistent
 *   point right after, `done` (the caller, once the copy finished). A crash or a failed write anywhere in
 *   between leaves a slot whose state is not `done`: the next start drops it and starts over. Writing the
 *   intent first also means an older `done` (of a slot that vanished) never describes a new slot;
 * - dropping: the intent is written before the drop, so a reader that lost its lease (fenced: its write fails)
 *   never drops the slot of the one that took over;
 * - a slot without any state (made outside the pipeline, or the state topic was lost) is kept, and every
 *   captured table is copied by an incremental snapshot while streaming; the caller records the adoption once
 *   those snapshots are requested, so a crash before that asks for them again.
 *
 * A slot re-created after it vanished: the changes made while it was missing were never streamed. The copy
 * brings every row's current value, and each table's snapshot end marks deleted the raw rows the copy no longer
 * holds, so raw converges to the source; only the intermediate versions of that period are lost to raw.
 */
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../../../lib/logging/index.ts';
import { formatLsn } from '../../../lib/postgres/index.ts';
import { newInstanceId, readSlotState, slotState } from '../../../lib/source/reader-state.ts';
import type { ReaderStateStore } from '../../../lib/source/reader-state-store.ts';
import { dropSlot, readSlotStatus } from '../../../lib/source/slot.ts';
import { createSlotWithSnapshot, type ExportedSnapshotSlot } from '../../../lib/source/slot-snapshot.ts';
import { decideSlotStart } from './slot-start.ts';

export interface SlotPreparation {
  /** Present when the tables must be copied before streaming; close it once the copy transaction began. */
  snapshot?: ExportedSnapshotSlot;
  /**
   * Captured tables the existing slot's snapshot never copied (connectors added later, or every table of an
   * adopted slot); the reader copies them with an incremental snapshot. They stream their new changes only,
   * until that snapshot is done.
   */
  neverSnapshotted: string[];
  /**
   * Present for a slot kept without any state: earlier snapshots of its tables prove nothing, so the requests
   * use this id (never seen before); `markAdopted` records the slot once they are requested.
   */
  adoption?: { requestId: string; markAdopted(): Promise<void> };
  markSnapshotDone(): Promise<void>;
}

export interface SlotPreparationOptions {
  catalog: pg.Client;
  coreUrl: string;
  slot: string;
  kafka: Kafka;
  admin: Admin;
  /** The state topic (reader-state.ts stateTopic), which exists. */
  topic: string;
  /** Open (so the state read below can no longer be overwritten by a reader that lost its lease). */
  store: ReaderStateStore;
  /** Names of the captured tables (connectors). */
  tables: string[];
  logger: Logger;
}

const nothingToMark = async () => undefined;

export async function prepareSlot(options: SlotPreparationOptions): Promise<SlotPreparation> {
  const { catalog, slot, store, logger } = options;
  const existing = await readSlotStatus(catalog, slot);
  const state = await readSlotState(options.kafka, options.admin, options.topic, slot);
  const decision = decideSlotStart(existing, state, options.tables);
  const stateFields = {
    slot,
    snapshotStatus: state?.status ?? null,
    snapshotConsistentPoint: state?.consistentPoint ?? null,
    stateUpdatedAt: state?.updatedAt ?? null,
  };
  switch (decision.action) {
    case 'stream':
      if (decision.neverSnapshotted.length > 0) {
        logger.info(
          { slot, tables: decision.neverSnapshotted },
          'these captured tables were added after the slot was snapshotted: their existing rows are copied by ' +
            'an incremental snapshot while streaming (unless one already finished)',
        );
      }
      return { neverSnapshotted: decision.neverSnapshotted, markSnapshotDone: nothingToMark };
    case 'adopt': {
      logger.error(
        { slot, tables: decision.neverSnapshotted },
        `slot ${slot} exists but the state topic knows nothing of it (created outside the pipeline, or the ` +
          'state topic was deleted): nothing proves its tables were ever copied. Keeping the slot and copying ' +
          'every captured table with an incremental snapshot while streaming; until those end, raw may miss ' +
          'rows that existed before the slot.',
      );
      const instance = newInstanceId();
      const confirmed = formatLsn(existing?.confirmedFlushLsn ?? 0n);
      return {
        neverSnapshotted: decision.neverSnapshotted,
        // Copied by the initial snapshot: none. The tables' incremental snapshots say the rest.
        adoption: {
          requestId: `adopted-${instance}`,
          markAdopted: () =>
            store.writeSlotState(slotState('done', { instance, consistentPoint: confirmed, tables: [] })),
        },
        markSnapshotDone: nothingToMark,
      };
    }
    case 'recreate':
      if (decision.reason === 'interrupted') {
        logger.warn(
          stateFields,
          'the initial snapshot of this slot never finished: dropping the slot and starting over',
        );
      } else {
        logger.error(
          { ...stateFields, slotConfirmedLsn: formatLsn(existing?.confirmedFlushLsn ?? 0n) },
          `the state of slot ${slot} describes another slot (its consistent point is ahead of everything the ` +
            'slot ever confirmed: a restored database, or a state topic shared by two pipelines?): dropping the ' +
            'slot and copying every captured table again. Find out how they came apart.',
        );
      }
      break;
    case 'create':
      if (decision.reason === 'vanished') {
        logger.error(
          stateFields,
          `slot ${slot} vanished (dropped outside the pipeline): changes made since the reader last ran were ` +
            'never streamed. Re-creating it and copying every captured table again; the copy ends mark deleted ' +
            'the raw rows deleted meanwhile. Find out who dropped it: until this copy ends, raw is behind.',
        );
      } else if (decision.reason === 'unfinished') {
        logger.warn(stateFields, 'the last attempt to create this slot never finished: creating it again');
      }
      break;
  }
  return createWithSnapshot(options, decision.action === 'recreate');
}

async function createWithSnapshot(
  options: SlotPreparationOptions,
  dropFirst: boolean,
): Promise<SlotPreparation> {
  const { slot, store, logger } = options;
  const instance = newInstanceId();
  await store.writeSlotState(slotState('creating', { instance }));
  if (dropFirst) await dropSlot(options.catalog, slot);
  const snapshot = await createSlotWithSnapshot(options.coreUrl, slot);
  const consistentPoint = formatLsn(snapshot.consistentPoint);
  try {
    await store.writeSlotState(slotState('in-progress', { instance, consistentPoint }));
  } catch (error) {
    await snapshot.close().catch(() => undefined);
    throw error;
  }
  logger.info(
    { slot, consistentPoint, instance },
    'slot created with an exported snapshot: copying the captured tables',
  );
  return {
    snapshot,
    neverSnapshotted: [],
    markSnapshotDone: () =>
      store.writeSlotState(slotState('done', { instance, consistentPoint, tables: options.tables })),
  };
}
