/**
 * What a starting reader does with its slot, from the slot (present or not, its confirmed position) and the
 * slot's state in the state topic (lib/source/reader-state.ts). Pure, so every row of the table is unit-tested;
 * slot-preparation.ts carries the decision out.
 *
 * | slot    | state                  | action                                                                  |
 * | ------- | ---------------------- | ----------------------------------------------------------------------- |
 * | absent  | none                   | create (intent first), copy every table                                 |
 * | absent  | `done`                 | create the same way, loudly: the slot vanished, its changes were lost   |
 * | absent  | `creating`/`in-prog.`  | create the same way: the last attempt did not finish                    |
 * | present | `creating`/`in-prog.`  | drop, create, copy: the slot's snapshot never finished                  |
 * | present | `done`, not this slot  | drop, create, copy, loudly: the state describes another slot            |
 * | present | `done`                 | stream; tables the snapshot did not copy get an incremental snapshot    |
 * | present | none                   | keep (made outside the pipeline, or the state topic was lost), loudly:  |
 * |         |                        | never assume a snapshot, every table gets an incremental snapshot       |
 * | present | any, but no confirmed  | nothing: a physical slot by that name is refused before streaming       |
 * |         | position               |                                                                         |
 *
 * "Not this slot": a slot never confirms a position below the consistent point it was created at, so a
 * confirmed position below the state's consistent point means the state was written for another slot (a
 * database restored from a backup, a state topic shared by mistake). A re-created slot confirms positions
 * above any older state's, which this check cannot see: that is why the create path always writes its intent
 * before the slot exists (an older `done` never survives the creation of a new slot). `restart_lsn` is not
 * compared: decoding legitimately restarts below the consistent point.
 */
import { type Lsn, parseLsn } from '../../../lib/postgres/index.ts';
import type { SlotState } from '../../../lib/source/reader-state.ts';

export type SlotStart =
  | { action: 'create'; reason: 'new' | 'vanished' | 'unfinished' }
  | { action: 'recreate'; reason: 'interrupted' | 'not-this-slot' }
  | { action: 'stream'; neverSnapshotted: string[] }
  | { action: 'adopt'; neverSnapshotted: string[] };

export function decideSlotStart(
  slot: { confirmedFlushLsn: Lsn | null } | null,
  state: SlotState | undefined,
  tables: readonly string[],
): SlotStart {
  if (!slot) {
    if (!state) return { action: 'create', reason: 'new' };
    return { action: 'create', reason: state.status === 'done' ? 'vanished' : 'unfinished' };
  }
  // No confirmed position: not a logical slot (a physical one by that name, someone else's). Never dropped or
  // adopted here: the reader refuses it before streaming.
  if (slot.confirmedFlushLsn === null) return { action: 'stream', neverSnapshotted: [] };
  if (!state) return { action: 'adopt', neverSnapshotted: [...tables] };
  if (state.status !== 'done') return { action: 'recreate', reason: 'interrupted' };
  if (slot.confirmedFlushLsn < parseLsn(state.consistentPoint as string)) {
    return { action: 'recreate', reason: 'not-this-slot' };
  }
  // Unknown history (a state from before table lists): nothing to say about individual tables.
  const copied = state.tables ? new Set(state.tables) : undefined;
  return {
    action: 'stream',
    neverSnapshotted: copied ? tables.filter((table) => !copied.has(table)) : [],
  };
}
