/**
 * What Kubernetes relies on when it stops a pod, with the real entry points as child processes on the real core
 * schema and connectors: SIGTERM during load makes each service stop intake, finish what it has in hand,
 * confirm or commit, and exit 0 well within the pod's grace period (reader 120 s, sink 60 s, marts builder
 * 300 s in k8s/base), with readiness dropped (a 503) before the process is gone, and nothing lost: after a
 * restart, analytics_raw equals core and Kafka holds every change (at least once).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { allConnectors } from '../../connectors/index.ts';
import { SinkFixture, waitFor } from '../raw-sink/support/sink-fixture.ts';
import { ReaderFixture } from '../reader/support/reader-fixture.ts';
import {
  coreSchema,
  runningServices,
  ServiceProcess,
  stopAllServices,
  type Termination,
} from '../support/service-process.ts';

const reader = new ReaderFixture();
const sink = new SinkFixture(reader);
const admin = reader.kafka.admin();
const clients: pg.Client[] = [];
const loads: StatEventsLoad[] = [];
const figures: Record<string, number | string> = {};

/** Compared as text in core and analytics_raw (live rows): enough to see a missing row or a stale version. */
const compared: Record<string, string> = {
  stat_events: 'id::text, type::text, source_id, is_bot, updated_at::text',
  partners: 'id::text, name',
  missions: 'id::text, title',
};

const readerEnv = () => ({
  DATABASE_URL_CORE: reader.database.url('DATABASE_URL_CORE'),
  CDC_SLOT_NAME: reader.slot,
  CDC_PUBLICATION_NAME: reader.publication,
  KAFKA_TOPIC_PREFIX: reader.prefix,
  READER_STATUS_INTERVAL_MS: '500',
});

const sinkEnv = () => ({
  DATABASE_URL_ANALYTICS: sink.url,
  SINK_GROUP_ID: sink.groupId,
  KAFKA_TOPIC_PREFIX: reader.prefix,
  SINK_SESSION_TIMEOUT_MS: '6000',
  // Many small transactions per fetched batch, so that a SIGTERM lands between two of them.
  SINK_MAX_BATCH_MESSAGES: '500',
  SINK_PAUSED_POLL_MS: '1000',
});

async function ownerClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: reader.database.url('DATABASE_URL_CORE_OWNER') });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes to stat_events as fast as a client can: each transaction inserts two rows, flips is_bot on an earlier
 * row and, every tenth time, deletes one. Counts only what committed.
 */
class StatEventsLoad {
  inserted = 0;
  updated = 0;
  deleted = 0;
  transactions = 0;
  private readonly ids: string[] = [];
  private stopping = false;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly client: pg.Client) {
    loads.push(this);
  }

  /** Kafka messages the load's changes make: one per insert and update, a delete plus its tombstone. */
  get messages(): number {
    return this.inserted + this.updated + 2 * this.deleted;
  }

  start(tag: string): void {
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        await this.client.query('BEGIN');
        const inserted = await this.client.query<{ id: string }>(
          `INSERT INTO stat_events (type, source, source_id, from_publisher_id, to_publisher_id, mission_id,
                                    user_fingerprint)
           SELECT 'print', 'api', $1, 2, 1, 1, md5(random()::text) FROM generate_series(1, 2) RETURNING id`,
          [tag],
        );
        let updated = 0;
        let deleted: string | undefined;
        if (this.ids.length > 0) {
          const target = this.ids[Math.floor(Math.random() * this.ids.length)];
          updated =
            (await this.client.query('UPDATE stat_events SET is_bot = NOT is_bot WHERE id = $1', [target]))
              .rowCount ?? 0;
          if (this.transactions % 10 === 9) {
            deleted = this.ids[Math.floor(Math.random() * this.ids.length)];
            await this.client.query('DELETE FROM stat_events WHERE id = $1', [deleted]);
          }
        }
        await this.client.query('COMMIT');
        this.transactions++;
        this.inserted += inserted.rows.length;
        this.updated += updated;
        this.ids.push(...inserted.rows.map((row) => row.id));
        if (deleted) {
          this.deleted++;
          this.ids.splice(this.ids.indexOf(deleted), 1);
        }
        await sleep(2);
      }
    })().catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** Stops after the transaction in hand; throws what stopped the load early, if anything did. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    if (this.failure) throw this.failure;
  }
}

/** One transaction of `rows` inserts into stat_events, tagged. */
async function bulkInsert(client: pg.Client, rows: number, tag: string): Promise<void> {
  await client.query(
    `INSERT INTO stat_events (type, source, source_id, from_publisher_id, to_publisher_id, mission_id)
     SELECT 'click', 'api', $2, 2, 1, 1 FROM generate_series(1, $1::int)`,
    [rows, tag],
  );
}

/** Rows missing from raw, rows differing, rows raw has that core does not (live rows, by id). */
async function rawDifference(
  table: string,
): Promise<{ core: number; missing: number; differing: number; extra: number }> {
  const columns = compared[table] as string;
  const core = await reader.owner.query<{ id: string }>(`SELECT ${columns} FROM ${table}`);
  const raw = await sink.pool.query<{ id: string }>(
    `SELECT ${columns} FROM analytics_raw.${table} WHERE NOT _deleted`,
  );
  const rawById = new Map(raw.rows.map((row) => [row.id, JSON.stringify(row)]));
  let missing = 0;
  let differing = 0;
  for (const row of core.rows) {
    const found = rawById.get(row.id);
    if (found === undefined) missing++;
    else if (found !== JSON.stringify(row)) differing++;
    rawById.delete(row.id);
  }
  return { core: core.rows.length, missing, differing, extra: rawById.size };
}

/** Waits (bounded) until analytics_raw equals core for every compared table; the message says what differs. */
async function rawEqualsCore(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const differences = [];
    for (const table of Object.keys(compared)) differences.push({ table, ...(await rawDifference(table)) });
    const off = differences.filter((d) => d.missing + d.differing + d.extra > 0);
    if (off.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`analytics_raw still differs from core after ${timeoutMs} ms: ${JSON.stringify(off)}`);
    }
    await sleep(500);
  }
}

/** Messages in a table's topic (sum over partitions; nothing is compacted or expired during a test). */
async function topicMessages(table: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(reader.topic(table));
  return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
}

async function slotState(): Promise<{ confirmed: string; activePid: number | null }> {
  const { rows } = await reader.owner.query<{ confirmed: string; active_pid: number | null }>(
    'SELECT confirmed_flush_lsn::text AS confirmed, active_pid FROM pg_replication_slots WHERE slot_name = $1',
    [reader.slot],
  );
  return { confirmed: rows[0]?.confirmed ?? '0/0', activePid: rows[0]?.active_pid ?? null };
}

function lsnValue(lsn: string): bigint {
  const [high, low] = lsn.split('/') as [string, string];
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/** The graceful-exit contract, with the service's log tail in the message when it does not hold. */
function expectGracefulExit(service: ServiceProcess, exit: Termination, withinMs: number): void {
  const context = `${JSON.stringify(exit)}\n${service.tail()}`;
  expect(exit.signal, context).toBeNull();
  expect(exit.code, context).toBe(0);
  expect(exit.ms, context).toBeLessThan(withinMs);
  expect(
    exit.readiness.sawNotReady,
    `readiness never answered 503 between SIGTERM and exit: ${context}`,
  ).toBe(true);
  // Once out of rotation, never back in.
  expect(exit.readiness.lastReadyMs ?? -1, context).toBeLessThan(exit.readiness.firstNotReadyMs as number);
}

/** When the service logged a message (its JSON log's time), in ms since the epoch. */
function loggedAt(service: ServiceProcess, message: RegExp): number {
  const line = service.logged(message)[0];
  if (!line) throw new Error(`${service.name} never logged ${message}\n${service.tail()}`);
  return Date.parse((JSON.parse(line) as { time: string }).time);
}

function printTailsOnFailure(): void {
  onTestFailed(() => {
    for (const service of runningServices()) console.error(service.tail(40));
  });
}

let liveReader: ServiceProcess;
let liveSink: ServiceProcess;

describe('graceful shutdown of the real services under load (SIGTERM, as Kubernetes stops a pod)', () => {
  beforeAll(async () => {
    await reader.setUp(coreSchema(), [...allConnectors]);
    await reader.owner.query(`
      INSERT INTO partners (name, is_announcer, is_diffuser) VALUES ('Announcer', true, false), ('Diffuser', false, true);
      INSERT INTO missions (publisher_id, client_id, title, domain) VALUES (1, 'm-1', 'Mission', 'environnement');`);
    await sink.setUp();
    await admin.connect();
    liveReader = await ServiceProcess.start({ service: 'reader', name: 'reader-1', env: readerEnv() });
    liveSink = await ServiceProcess.start({ service: 'sink', name: 'sink-1', env: sinkEnv() });
  }, 120_000);

  // A failed test must not leave its load running into the next one.
  afterEach(async () => {
    for (const load of loads.splice(0)) await load.stop().catch(() => undefined);
  });

  afterAll(async () => {
    await stopAllServices();
    await admin.disconnect().catch(() => undefined);
    for (const client of clients) await client.end().catch(() => undefined);
    await sink.tearDown();
    await reader.tearDown();
    console.log(`graceful shutdown figures: ${JSON.stringify(figures)}`);
  }, 120_000);

  it('reader: SIGTERM under load flushes, confirms and exits 0; a new reader resumes with nothing missing', async () => {
    printTailsOnFailure();
    const load = new StatEventsLoad(await ownerClient());
    const bulk = await ownerClient();
    const spanning = await ownerClient();
    load.start('reader-load');
    await sleep(1_500);
    // A transaction open across the shutdown: decoded only once it commits, after the reader is gone.
    await spanning.query('BEGIN');
    await bulkInsert(spanning, 2_000, 'spanning');
    // A large transaction committed just before SIGTERM: in flight in the reader when the signal lands.
    await bulkInsert(bulk, 40_000, 'reader-bulk');
    await sleep(100);
    const before = await slotState();

    const exit = await liveReader.terminate();
    figures.readerExitMs = exit.ms;
    figures.readerFirstNotReadyMs = exit.readiness.firstNotReadyMs ?? 'never';
    expectGracefulExit(liveReader, exit, 30_000);
    // Readiness dropped first: a 503 had already come back before the reader finished flushing and confirming.
    const confirmedAt = loggedAt(liveReader, /stopped after confirming everything Kafka acknowledged/);
    figures.readerNotReadyBeforeConfirmMs = confirmedAt - (exit.readiness.firstNotReadyAt as number);
    expect(exit.readiness.firstNotReadyAt, liveReader.tail()).toBeLessThanOrEqual(confirmedAt);
    // The walsender let go of the slot, and the confirmed position never went back.
    await waitFor(async () => (await slotState()).activePid === null, 'the slot released', 5_000);
    const confirmed = (await slotState()).confirmed;
    expect(lsnValue(confirmed)).toBeGreaterThanOrEqual(lsnValue(before.confirmed));

    // Changes while no reader runs; then the spanning transaction commits.
    await sleep(1_000);
    await spanning.query('COMMIT');
    await load.stop();

    liveReader = await ServiceProcess.start({ service: 'reader', name: 'reader-2', env: readerEnv() });
    // It resumed from exactly the position the first one confirmed.
    const resumed = liveReader.logged(/streaming from the durable position/);
    expect(resumed.length, liveReader.tail()).toBe(1);
    expect((JSON.parse(resumed[0] as string) as { startLsn: string }).startLsn.toUpperCase()).toBe(
      confirmed.toUpperCase(),
    );

    await rawEqualsCore(90_000);
    const expected = load.messages + 42_000;
    const inKafka = await topicMessages('stat_events');
    figures.readerLoadTransactions = load.transactions;
    figures.readerStatEventsMessagesExpected = expected;
    figures.readerStatEventsMessagesInKafka = inKafka;
    expect(inKafka, 'stat_events changes in Kafka (at least once)').toBeGreaterThanOrEqual(expected);
    expect(await topicMessages('partners')).toBeGreaterThanOrEqual(2);
    expect(await topicMessages('missions')).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('sink: SIGTERM mid-batch commits what it applied and exits 0; a new sink ends at every partition end', async () => {
    printTailsOnFailure();
    const load = new StatEventsLoad(await ownerClient());
    const bulk = await ownerClient();
    load.start('sink-load');
    await sleep(1_000);
    await bulkInsert(bulk, 30_000, 'sink-bulk');
    const applied = async () =>
      Number(
        (
          await sink.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM analytics_raw.stat_events WHERE source_id = 'sink-bulk'`,
          )
        ).rows[0]?.n,
      );
    // SIGTERM once the sink is inside the large batch.
    await waitFor(async () => (await applied()) > 0, 'the sink applying the large transaction', 60_000);
    const atSignal = await applied();

    const exit = await liveSink.terminate();
    figures.sinkBulkAppliedAtSigterm = atSignal;
    figures.sinkBulkAppliedAtExit = await applied();
    figures.sinkExitMs = exit.ms;
    figures.sinkFirstNotReadyMs = exit.readiness.firstNotReadyMs ?? 'never';
    expectGracefulExit(liveSink, exit, 60_000);

    await sleep(1_000);
    const restartedAt = performance.now();
    liveSink = await ServiceProcess.start({ service: 'sink', name: 'sink-2', env: sinkEnv() });
    await load.stop();
    await rawEqualsCore(90_000);
    figures.sinkRestartToConvergedMs = Math.round(performance.now() - restartedAt);
    // The cursor stored with the rows is at the end of every partition of every captured table.
    for (const connector of allConnectors) {
      const topic = reader.topic(connector.source.table);
      await waitFor(() => sink.caughtUp(topic, 0), `the cursor at the end of ${topic}`, 30_000);
    }
    expect(await topicMessages('stat_events')).toBeGreaterThanOrEqual(load.messages + 30_000);
  }, 180_000);

  it('marts builder: SIGTERM during a build lets that build finish (recorded success) and exits 0', async () => {
    printTailsOnFailure();
    const marts = await ServiceProcess.start({
      service: 'marts',
      env: {
        DATABASE_URL_ANALYTICS: sink.url,
        DBT_DATABASE_URL: (sink.analytics as NonNullable<typeof sink.analytics>).url(
          process.env.DBT_DATABASE_URL ? 'DBT_DATABASE_URL' : 'DATABASE_URL_ANALYTICS',
        ),
        SINK_GROUP_ID: sink.groupId,
        KAFKA_TOPIC_PREFIX: reader.prefix,
        MARTS_TICK_SECONDS: '1',
        // The first build recomputes every hourly batch since MARTS_BEGIN: from yesterday, a few dozen.
        MARTS_BEGIN: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
      },
    });
    // A real build (with a watermark; a skipped tick is recorded as running only for an instant).
    let build: string | undefined;
    await waitFor(
      async () => {
        const { rows } = await sink.pool.query<{ id: string }>(
          `SELECT id::text FROM cdc.marts_runs WHERE status = 'running' AND watermark IS NOT NULL`,
        );
        build = rows[0]?.id;
        return build !== undefined;
      },
      'a marts build running',
      60_000,
    );

    const exit = await marts.terminate(300_000);
    figures.martsExitMs = exit.ms;
    figures.martsFirstNotReadyMs = exit.readiness.firstNotReadyMs ?? 'never';
    expectGracefulExit(marts, exit, 120_000);
    // The documented behaviour (services/marts-builder/README.md): the build in hand finishes, then exit 0;
    // no tick starts after the signal and nothing is left 'running'.
    const { rows } = await sink.pool.query<{ id: string; status: string; error: string | null }>(
      'SELECT id::text, status, error FROM cdc.marts_runs WHERE id >= $1 ORDER BY id',
      [build],
    );
    expect(rows, marts.tail()).toEqual([{ id: build, status: 'success', error: null }]);
    const { rows: stillRunning } = await sink.pool.query(
      `SELECT id FROM cdc.marts_runs WHERE status = 'running'`,
    );
    expect(stillRunning).toEqual([]);
  }, 180_000);
});
