/**
 * The crash-and-fault suite, short version (CI): under the mixed workload, kill -9 the reader, a sink, the Kafka
 * broker, the analytics database and the core database at random moments (each at least once), the reader
 * right after creating its slot, the reader while a column changes type, every sink while Kafka compacts what
 * they have not read; then let the pipeline settle and check row by row that analytics_raw equals core: nothing
 * lost, nothing duplicated.
 * The seed is random unless CHAOS_SEED is set; a failure prints the command that replays its timeline.
 * `npm run chaos -- --long` is the long version.
 */
import { describe, expect, it } from 'vitest';
import { randomSeed, shortRun } from './options.ts';
import { allFaultKinds } from './plan.ts';
import { formatChaosReport } from './report.ts';
import { runChaos } from './run.ts';

describe('chaos: kill -9 every component under load, then analytics_raw equals core', () => {
  it('loses nothing and duplicates nothing', async () => {
    const options = shortRun(process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : randomSeed());
    const log = (line: string) => console.log(`[chaos] ${line}`);
    const report = await runChaos(options, log);
    const summary = formatChaosReport(report);
    console.log(summary);
    for (const kind of allFaultKinds)
      expect(report.faultsPerKind[kind], `${kind} faults\n${summary}`).toBeGreaterThan(0);
    expect(report.failure, summary).toBeUndefined();
    expect(report.ok, summary).toBe(true);
  }, 900_000);
});
