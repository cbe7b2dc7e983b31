/**
 * The reader's first start, under load and with a crash: the workload already writes while the reader creates
 * its slot and copies the tables, and the reader is killed -9 shortly after the copy began. The restarted reader
 * finds the copy interrupted and must still end up with every row in Kafka exactly as core has it, including
 * rows the workload deleted or changed between the two attempts.
 */
import { runningServices } from '../support/service-process.ts';
import type { Supervisor } from './supervisor.ts';

export interface InitialSnapshotKill {
  /** Seconds after the workload started. */
  atSeconds: number;
  /** How long after the copy began the reader was killed. */
  afterCopyStartedMs: number;
  /** Tables the first attempt reported copied before the kill (of six). */
  tablesCopiedBeforeKill: number;
  /** The copy was over before the kill could land (the kill then hit a streaming reader). */
  copyFinishedFirst: boolean;
  recoveredAfterMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the reader and kills its process `killAfterMs` after it logs the start of the initial copy; the
 * supervisor sees a start that died and starts it again. Resolves once the reader is ready.
 */
export async function startReaderWithSnapshotKill(
  reader: Supervisor,
  killAfterMs: number,
  clock: () => number,
  log: (line: string) => void,
): Promise<InitialSnapshotKill | undefined> {
  const ready = reader.start();
  const deadline = Date.now() + 120_000;
  let process = runningServices().find((service) => service.name === reader.name);
  while (!process?.logged(/initial snapshot started/).length) {
    if (Date.now() > deadline) break;
    await sleep(20);
    process = runningServices().find((service) => service.name === reader.name);
  }
  if (!process) {
    await ready;
    return undefined;
  }
  await sleep(killAfterMs);
  const tablesCopiedBeforeKill = process.logged(/"table copied"/).length;
  const copyFinishedFirst = process.logged(/streaming from/).length > 0;
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
    recoveredAfterMs: Math.round(performance.now() - started),
  };
}
