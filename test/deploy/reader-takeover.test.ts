/**
 * The reader as Kubernetes runs it during a rollout or a node drain: two replicas of the real entry point on one
 * slot. The second is alive (/healthz 200) but not ready (/readyz 503) and never streams while the first holds
 * the lease (the slot stays with the first one's walsender); when the first is stopped with SIGTERM it exits 0,
 * and the second becomes ready within seconds, resumes from the confirmed position and streams what changed
 * meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { allConnectors } from '../../connectors/index.ts';
import { waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import { coreSchema, runningServices, ServiceProcess, stopAllServices } from '../support/service-process.ts';

const reader = new ReaderFixture();
const figures: Record<string, number> = {};

const readerEnv = () => ({
  DATABASE_URL_CORE: reader.database.url('DATABASE_URL_CORE'),
  CDC_SLOT_NAME: reader.slot,
  CDC_PUBLICATION_NAME: reader.publication,
  KAFKA_TOPIC_PREFIX: reader.prefix,
  READER_STATUS_INTERVAL_MS: '500',
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function slot(): Promise<{ activePid: number | null; confirmed: string }> {
  const { rows } = await reader.owner.query<{ active_pid: number | null; confirmed: string }>(
    'SELECT active_pid, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1',
    [reader.slot],
  );
  return { activePid: rows[0]?.active_pid ?? null, confirmed: rows[0]?.confirmed ?? '0/0' };
}

async function insertPartner(name: string): Promise<void> {
  await reader.owner.query('INSERT INTO partners (name, is_diffuser) VALUES ($1, true)', [name]);
}

/** Waits (bounded) until every name is in the partners topic (as an insert's `after.name`). */
async function inKafka(names: string[], timeoutMs = 30_000): Promise<void> {
  const wanted = new Set(names);
  await reader.read(
    reader.topic('partners'),
    (events) => {
      for (const event of events) {
        const after = (event.value as { after?: { name?: string } } | null)?.after;
        if (after?.name) wanted.delete(after.name);
      }
      return wanted.size === 0;
    },
    timeoutMs,
  );
}

describe('reader takeover: a second replica waits for the lease, then takes over', () => {
  beforeAll(async () => {
    await reader.setUp(coreSchema(), [...allConnectors]);
    await insertPartner('before-any-reader');
  }, 120_000);

  afterAll(async () => {
    await stopAllServices();
    await reader.tearDown();
    console.log(`reader takeover figures: ${JSON.stringify(figures)}`);
  }, 120_000);

  it('B stays not-ready and idle while A streams; after A exits 0, B is ready within 30 s and streams', async () => {
    onTestFailed(() => {
      for (const service of runningServices()) console.error(service.tail(40));
    });
    const a = await ServiceProcess.start({ service: 'reader', name: 'reader-a', env: readerEnv() });
    await waitFor(async () => (await slot()).activePid !== null, 'reader A streaming the slot', 10_000);
    const walsenderA = (await slot()).activePid as number;

    const b = await ServiceProcess.start({
      service: 'reader',
      name: 'reader-b',
      env: readerEnv(),
      waitReady: false,
    });
    // For 5 s while A streams (and changes keep coming): B alive, not ready, not streaming; the slot A's.
    const whileA: string[] = [];
    const samples: {
      bReady?: number;
      bAlive?: number;
      bStreaming?: number;
      aReady?: number;
      pid: number | null;
    }[] = [];
    const until = performance.now() + 5_000;
    for (let i = 0; performance.now() < until; i++) {
      if (i % 5 === 0) {
        whileA.push(`while-a-${i}`);
        await insertPartner(`while-a-${i}`);
      }
      samples.push({
        bReady: (await b.readyz())?.status,
        bAlive: (await b.healthz())?.status,
        bStreaming: (await b.metric('cdc_reader_streaming')) ?? 0,
        aReady: (await a.readyz())?.status,
        pid: (await slot()).activePid,
      });
      await sleep(100);
    }
    const off = samples.filter(
      (sample) =>
        sample.bReady !== 503 ||
        sample.bAlive !== 200 ||
        sample.bStreaming !== 0 ||
        sample.aReady !== 200 ||
        sample.pid !== walsenderA,
    );
    expect(off, `samples where B was not idle-and-waiting or A not streaming (of ${samples.length})`).toEqual(
      [],
    );
    expect(samples.length).toBeGreaterThan(10);
    expect((await b.readyz())?.detail).toMatch(/another reader holds slot/);
    await inKafka(whileA);

    const exitA = await a.terminate();
    const aGoneAt = performance.now();
    figures.readerAExitMs = exitA.ms;
    expect(exitA, a.tail()).toMatchObject({ code: 0, signal: null });
    expect(exitA.ms).toBeLessThan(30_000);
    expect(exitA.readiness.sawNotReady, JSON.stringify(exitA)).toBe(true);
    const confirmedByA = (await slot()).confirmed;

    // Changes during the handover, then B takes over.
    const handover = ['during-handover-1', 'during-handover-2'];
    for (const name of handover) await insertPartner(name);
    await b.waitReady(30_000);
    figures.takeoverMs = Math.round(performance.now() - aGoneAt);
    expect(figures.takeoverMs).toBeLessThan(30_000);
    await waitFor(async () => (await slot()).activePid !== null, 'reader B streaming the slot', 10_000);
    const walsenderB = (await slot()).activePid;
    expect(walsenderB).not.toBe(walsenderA);
    expect(await b.metric('cdc_reader_streaming')).toBe(1);
    // B resumed from exactly where A confirmed.
    const resumed = b.logged(/streaming from the durable position/);
    expect(resumed.length, b.tail()).toBe(1);
    expect((JSON.parse(resumed[0] as string) as { startLsn: string }).startLsn.toUpperCase()).toBe(
      confirmedByA.toUpperCase(),
    );

    const afterB = ['after-takeover-1', 'after-takeover-2'];
    for (const name of afterB) await insertPartner(name);
    await inKafka([...handover, ...afterB]);

    const exitB = await b.terminate();
    figures.readerBExitMs = exitB.ms;
    expect(exitB, b.tail()).toMatchObject({ code: 0, signal: null });
  }, 120_000);
});
