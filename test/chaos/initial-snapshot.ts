/**
 * The reader's first start, under load and with two crashes: the workload already writes while the reader
 * creates its slot and copies the tables. First the reader is killed -9 right after `CREATE_REPLICATION_SLOT`
 * returned and before it recorded the slot's `in-progress` state: as soon as the slot shows in
 * `pg_replication_slots`, the process is stopped (SIGSTOP, so it cannot write its state), and once the slot is
 * complete (it has a confirmed position) it is killed. No seam in the reader: only what an OOM kill at that
 * moment would do. Then the restarted reader is killed -9 shortly after its copy began. The reader started
 * after that finds the copy interrupted and must still end up with every row in Kafka exactly as core has it,
 * including rows the workload deleted or changed between the attempts.
 */
import pg from 'pg';
import { runningServices, type ServiceProcess } from '../support/service-process.ts';
import type { Supervisor } from './supervisor.ts';

export interface SlotCreationKill {
  atSeconds: number;
  /** From the slot's first appearance in pg_replication_slots to the kill. */
  slotSeenForMs: number;
}

export interface InitialSnapshotKill {
  /** Seconds after the workload started. */
  atSeconds: number;
  /** How long after the copy began the reader was killed. */
  afterCopyStartedMs: number;
  /** Tables the first attempt reported copied before the kill (of six). */
  tablesCopiedBeforeKill: number;
  /** The copy was over before the kill could land (the kill then hit a streaming reader). */
  copyFinishedFirst: boolean;
  /** The slot's state this reader found when it started (after the slot-creation kill: `creating`). */
  stateFoundAtStart: string;
  recoveredAfterMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readerProcess(reader: Supervisor, not?: ServiceProcess): ServiceProcess | undefined {
  return runningServices().find((service) => service.name === reader.name && service !== not);
}

/**
 * Starts the reader for the first time and kills it between its slot's creation and its state write; the
 * supervisor starts it again. Resolves when the killed process is gone (undefined if the slot never showed).
 */
export async function startReaderWithSlotKill(
  reader: Supervisor,
  coreUrl: string,
  slot: string,
  clock: () => number,
  log: (line: string) => void,
): Promise<{ ready: Promise<void>; kill?: SlotCreationKill }> {
  const client = new pg.Client({ connectionString: coreUrl, application_name: 'chaos-slot-watch' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const ready = reader.start();
    const deadline = Date.now() + 120_000;
    const slotRow = async () =>
      (
        await client.query<{ complete: boolean }>(
          'SELECT confirmed_flush_lsn IS NOT NULL AS complete FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        )
      ).rows[0];
    let process = readerProcess(reader);
    // The slot appears while CREATE_REPLICATION_SLOT waits for its consistent point: the reader has written its
    // intent and waits for the answer. Stopped now, it cannot write `in-progress` whenever the answer comes.
    while (!(process && (await slotRow()))) {
      if (Date.now() > deadline) return { ready };
      await sleep(5);
      process = readerProcess(reader);
    }
    const seen = performance.now();
    if (process.pid) globalThis.process.kill(process.pid, 'SIGSTOP');
    while (!(await slotRow())?.complete && Date.now() < deadline) await sleep(20);
    const atSeconds = clock();
    const slotSeenForMs = Math.round(performance.now() - seen);
    log(`fault: kill -9 ${reader.name} after its slot was created (${slotSeenForMs} ms after it showed)`);
    await process.kill();
    return { ready, kill: { atSeconds, slotSeenForMs } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The state a reader found for its slot, from its log line about an unfinished creation. */
function stateFoundAtStart(process: ServiceProcess): string {
  const line = process.logged(/never finished/)[0];
  if (!line) return 'no unfinished creation logged';
  // The slot is still there (dropped and created again), or it went with its walsender (created again).
  const slot = /dropping the slot/.test(line) ? 'slot present' : 'slot absent';
  try {
    return `${(JSON.parse(line) as { snapshotStatus?: string }).snapshotStatus ?? 'none'}, ${slot}`;
  } catch {
    return `unreadable log line, ${slot}`;
  }
}

/**
 * Starts the reader and kills its process `killAfterMs` after it logs the start of the initial copy; the
 * supervisor sees a start that died and starts it again. Resolves once the reader is ready.
 */
export async function startReaderWithSnapshotKill(
  reader: Supervisor,
  killAfterMs: number,
  clock: () => number,
  log: (line: string) => void,
  ready: Promise<void> = reader.start(),
): Promise<InitialSnapshotKill | undefined> {
  const deadline = Date.now() + 120_000;
  let process = readerProcess(reader);
  while (!process?.logged(/initial snapshot started/).length) {
    if (Date.now() > deadline) break;
    await sleep(20);
    process = readerProcess(reader);
  }
  if (!process) {
    await ready;
    return undefined;
  }
  await sleep(killAfterMs);
  const tablesCopiedBeforeKill = process.logged(/"table copied"/).length;
  const copyFinishedFirst = process.logged(/streaming from/).length > 0;
  const stateFound = stateFoundAtStart(process);
  const atSeconds = clock();
  const started = performance.now();
  log(
    `fault: kill -9 ${reader.name} ${killAfterMs} ms into its initial snapshot (${tablesCopiedBeforeKill} tables copied)`,
  );
  await process.kill();
  await ready;
  return {
    atSeconds,
    afterCopyStartedMs: killAfterMs,
    tablesCopiedBeforeKill,
    copyFinishedFirst,
    stateFoundAtStart: stateFound,
    recoveredAfterMs: Math.round(performance.now() - started),
  };
}
