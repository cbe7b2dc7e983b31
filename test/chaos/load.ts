/**
 * What the core database goes through during the run: the repository's mixed workload (inserts, updates,
 * deletes, large mission descriptions) plus planned steps: large transactions (20,000 rows in one commit),
 * schema changes (ADD COLUMN on captured tables, with values) and truncates (followed by inserts in the same
 * transaction; planned rather than drawn by the workload, so the tables hold rows to compare at the end).
 * All of it survives core crashes by retrying with bounded backoff; a commit whose outcome a crash hid does not
 * matter, since the run compares analytics_raw with what core holds at the end, not with what was attempted.
 */
import pg from 'pg';
import { withBackoff } from '../../lib/retry/backoff.ts';
import { runWorkload, type WorkloadReport } from '../../scripts/workload/index.ts';
import { isTransient } from '../../scripts/workload/retry.ts';

export interface LoadSettings {
  seed: number;
  durationSeconds: number;
  /** Workload transactions per second. */
  rate: number;
  largeTransactionRows: number;
}

export interface StepRecord {
  kind: string;
  detail: string;
  atSeconds: number;
  attempts: number;
  ms: number;
}

/** Tables captured without a column list, so a new column is published without a publication change. */
const evolvingTables = ['missions', 'campaigns', 'widgets', 'widget_missions'] as const;

/**
 * Widenings of captured columns the workload writes (missions.places by its updates and inserts,
 * widget_missions.position by its inserts), each with values only the new type holds.
 */
const typeChanges = [
  { table: 'missions', column: 'places', from: 'integer', to: 'bigint', wide: '3000000000 + id % 1000' },
  {
    table: 'widget_missions',
    column: 'position',
    from: 'integer',
    to: 'bigint',
    wide: '3000000000 + mission_id % 1000',
  },
] as const;

/** An incompressible text of 12,800 characters: stored out of line (TOAST), never inline after compression. */
const largeText = `(SELECT string_agg(md5(random()::text || g::text), '') FROM generate_series(1, 400) AS g)`;

/** New column types, each with the value expression the rows get (their text forms must survive the trip). */
const newColumns: [type: string, value: string][] = [
  ['text', `'note ' || md5(ctid::text)`],
  ['integer', 'length(ctid::text) * 7'],
  ['jsonb', `jsonb_build_object('chaos', length(ctid::text), 'tags', jsonb_build_array('a', 'b'))`],
  ['numeric(10,3)', 'length(ctid::text) / 8.0'],
  ['timestamptz', `now() - interval '3 days 4 hours 5.123456 seconds'`],
];

export class ChaosLoad {
  readonly steps: StepRecord[] = [];
  private readonly pool: pg.Pool;
  private readonly abort = new AbortController();
  private workload: Promise<WorkloadReport> | undefined;

  constructor(
    private readonly coreOwnerUrl: string,
    private readonly settings: LoadSettings,
    private readonly clock: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.pool = new pg.Pool({ connectionString: coreOwnerUrl, max: 2, application_name: 'chaos-workload' });
    // Idle clients lose their server on a core crash; the workload reconnects on its next attempt.
    this.pool.on('error', () => undefined);
  }

  /** Starts the workload in the background; `stop` ends it early (another part of the run failed). */
  start(stop: AbortSignal): void {
    stop.addEventListener('abort', () => this.abort.abort(stop.reason), { once: true });
    this.workload = runWorkload(
      this.pool,
      {
        seed: this.settings.seed,
        rate: this.settings.rate,
        durationSeconds: this.settings.durationSeconds,
        // No TRUNCATE from the workload: truncates are planned steps (truncate()), so that the tables hold
        // enough rows to compare at the end whatever the seed.
        mix: { insert: 70, update: 20, delete: 10, truncate: 0 },
        txSize: { min: 1, max: 8 },
        largeTextRatio: 0.15,
        // 20 attempts with a 5 s cap outlast any planned core downtime, recovery included.
        maxRetries: 20,
        anchorMs: Date.parse('2026-11-01T00:00:00Z'),
      },
      { signal: this.abort.signal },
    );
  }

  /** Resolves with the workload's report once it has run its planned duration (or was stopped). */
  finish(): Promise<WorkloadReport> {
    return this.workload as Promise<WorkloadReport>;
  }

  /** Stops the workload early (a failed run) and releases the connections. */
  async close(): Promise<void> {
    this.abort.abort(new Error('chaos run stopped'));
    await this.workload?.catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** One transaction on a fresh connection (core's, unless told), retried through crashes (about two minutes). */
  private async step(
    kind: string,
    detail: string,
    work: (client: pg.Client) => Promise<void>,
    url = this.coreOwnerUrl,
  ): Promise<void> {
    const atSeconds = this.clock();
    const started = performance.now();
    let attempts = 0;
    await withBackoff(
      async () => {
        attempts++;
        const client = new pg.Client({ connectionString: url, application_name: 'chaos-steps' });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('BEGIN');
          await work(client);
          await client.query('COMMIT');
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { attempts: 30, initialDelayMs: 200, maxDelayMs: 5_000, shouldRetry: isTransient },
    );
    const ms = Math.round(performance.now() - started);
    this.steps.push({ kind, detail, atSeconds, attempts, ms });
    this.log(`${kind}: ${detail} (${attempts} attempt(s), ${ms} ms)`);
  }

  /**
   * One large transaction: many new tracking events, a batch flagged as bots, and large (TOASTed) mission
   * descriptions, so the reader holds one big transaction in flight when a fault may strike.
   */
  largeTransaction(index: number): Promise<void> {
    const rows = this.settings.largeTransactionRows;
    return this.step(
      'large transaction',
      `${rows} stat_events inserted, bulk update, large texts`,
      async (client) => {
        await client.query(
          `INSERT INTO stat_events (type, source, source_id, from_publisher_id, to_publisher_id, host,
                                  user_fingerprint, custom_attributes)
         SELECT 'print', 'api', $1, (SELECT min(id) FROM partners), (SELECT max(id) FROM partners),
                'bulk.example.org', md5(g::text), jsonb_build_object('bulk', $2::int, 'n', g)
           FROM generate_series(1, $3::int) AS g`,
          [`chaos-bulk-${index}`, index, rows],
        );
        // Earlier bulk rows (those a truncate spared): updated and deleted in the same commit.
        await client.query(
          `UPDATE stat_events SET is_bot = NOT is_bot WHERE source_id LIKE 'chaos-bulk-%' AND source_id <> $1
           AND get_byte(uuid_send(id), 0) < 128`,
          [`chaos-bulk-${index}`],
        );
        await client.query(
          `DELETE FROM stat_events WHERE source_id LIKE 'chaos-bulk-%' AND source_id <> $1
           AND get_byte(uuid_send(id), 1) < 32`,
          [`chaos-bulk-${index}`],
        );
        await client.query(
          `UPDATE missions SET description = repeat(md5(id::text || $1), 600) WHERE id % 5 = $2`,
          [String(index), index % 5],
        );
      },
    );
  }

  /**
   * TRUNCATE of a table nothing references, then new rows in the same transaction: the rows written after the
   * truncate (later positions in the same commit) must survive it downstream.
   */
  truncate(index: number): Promise<void> {
    const table = index % 2 === 0 ? 'stat_events' : 'widget_missions';
    return this.step(
      'truncate',
      `TRUNCATE ${table}, then new rows in the same transaction`,
      async (client) => {
        await client.query(`TRUNCATE ${table}`);
        if (table === 'stat_events')
          await client.query(
            `INSERT INTO stat_events (type, source, source_id, from_publisher_id, to_publisher_id, user_fingerprint)
           SELECT 'click', 'widget', 'chaos-after-truncate', (SELECT min(id) FROM partners),
                  (SELECT max(id) FROM partners), md5(g::text) FROM generate_series(1, 500) AS g`,
          );
        else
          await client.query(
            `INSERT INTO widget_missions (widget_id, mission_id, position)
           SELECT w.id, m.id, 1 FROM (SELECT id FROM widgets ORDER BY id LIMIT 5) AS w
             CROSS JOIN (SELECT id FROM missions ORDER BY id DESC LIMIT 20) AS m`,
          );
      },
    );
  }

  /** ADD COLUMN on a captured table and values for some rows, in one transaction (DDL and DML together). */
  schemaChange(index: number): Promise<void> {
    const table = evolvingTables[index % evolvingTables.length] as string;
    const [type, value] = newColumns[index % newColumns.length] as [string, string];
    const column = `chaos_col_${index}`;
    // Identifiers are built from the constants above and the step's number, never from data.
    return this.step('schema change', `ALTER TABLE ${table} ADD COLUMN ${column} ${type}`, async (client) => {
      await client.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} ${type}`);
      await client.query(
        `UPDATE ${table} SET ${column} = ${value} WHERE get_byte(sha224(ctid::text::bytea), 0) < 96`,
      );
    });
  }

  /** The raw column of a planned type change widened first, as the sink's role (it owns the raw tables). */
  widenRawColumn(index: number, analyticsUrl: string): Promise<void> {
    const change = typeChanges[index % typeChanges.length] as (typeof typeChanges)[number];
    return this.step(
      'raw migration',
      `ALTER TABLE analytics_raw.${change.table} ALTER COLUMN ${change.column} TYPE ${change.to}`,
      async (client) => {
        await client.query(
          `ALTER TABLE analytics_raw.${change.table} ALTER COLUMN ${change.column} TYPE ${change.to}`,
        );
      },
      analyticsUrl,
    );
  }

  /**
   * While the reader is down: rows written with the old type, the ALTER, rows written with values only the new
   * type holds; three transactions, so the reader meets a relation message per type. Returns what it did.
   */
  async changeColumnType(index: number): Promise<string> {
    const change = typeChanges[index % typeChanges.length] as (typeof typeChanges)[number];
    const { table, column } = change;
    // Identifiers come from the constant list above, never from data.
    await this.step('type change', `writes to ${table}.${column} before the ALTER`, async (client) => {
      await client.query(
        `UPDATE ${table} SET ${column} = ${column} + 1 WHERE get_byte(sha224(ctid::text::bytea), 0) < 64`,
      );
    });
    await this.step(
      'type change',
      `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${change.to}`,
      async (client) => {
        await client.query(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${change.to}`);
      },
    );
    await this.step('type change', `values beyond ${change.from} in ${table}.${column}`, async (client) => {
      await client.query(
        `UPDATE ${table} SET ${column} = ${change.wide} WHERE get_byte(sha224(ctid::text::bytea), 0) < 64`,
      );
    });
    return `${table}.${column} ${change.from} → ${change.to}, written before and after`;
  }

  /**
   * While every sink is down: large incompressible texts on some missions, then updates of those missions that
   * leave the texts unchanged (pgoutput sends them as unchanged TOAST), then deletes of stat events, pins
   * (widget_missions) and some of the updated missions' pins; each in its own transaction, so compaction can
   * drop every version but the last of a key. Returns the counts (never values).
   */
  async outageWrites(index: number): Promise<string> {
    const counts = { texts: 0, unchanged: 0, events: 0, pins: 0 };
    await this.step('outage writes', 'large texts on missions', async (client) => {
      const result = await client.query(
        `UPDATE missions SET description = ${largeText}
          WHERE id IN (SELECT id FROM missions ORDER BY md5(id::text || $1) LIMIT 20)`,
        [`outage-${index}`],
      );
      counts.texts = result.rowCount ?? 0;
    });
    for (let round = 0; round < 2; round++)
      await this.step('outage writes', 'updates leaving the large texts unchanged', async (client) => {
        const result = await client.query(
          `UPDATE missions SET title = left(title, 200) || '.'
            WHERE id IN (SELECT id FROM missions ORDER BY md5(id::text || $1) LIMIT 20)`,
          [`outage-${index}`],
        );
        counts.unchanged += result.rowCount ?? 0;
      });
    await this.step('outage writes', 'deletes', async (client) => {
      const events = await client.query(
        `DELETE FROM stat_events WHERE id IN (SELECT id FROM stat_events ORDER BY md5(id::text || $1) LIMIT 100)`,
        [`outage-${index}`],
      );
      const pins = await client.query(
        `DELETE FROM widget_missions WHERE (widget_id, mission_id) IN
           (SELECT widget_id, mission_id FROM widget_missions ORDER BY md5(mission_id::text || $1) LIMIT 30)`,
        [`outage-${index}`],
      );
      counts.events = events.rowCount ?? 0;
      counts.pins = pins.rowCount ?? 0;
    });
    return `${counts.texts} large texts, ${counts.unchanged} updates leaving them unchanged, ${counts.events} stat_events and ${counts.pins} widget_missions deleted`;
  }
}
