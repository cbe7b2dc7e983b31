/**
 * What the reader tells people (lib/notify): a table paused (the registry rejected its new schema, its topic
 * refused a change as too large, or one of its values cannot be mapped) and resumed; the stream failing run after run, and streaming again. Lives
 * across runs (a pause and its resume happen in different runs: the resume is a replay), so it belongs to the
 * service, not to one run.
 */
import type { ConnectorCatalogue } from '../../connectors/index.ts';
import { disclosableMessage, disclosureOf } from '../../lib/errors/disclosure.ts';
import type { Notifier } from '../../lib/notify/index.ts';
import type { PauseCause } from './pipeline/captured-table.ts';

export interface ReaderAlertSettings {
  slot: string;
  connectors: ConnectorCatalogue;
  /** Consecutive failed runs before people are alerted (default 3). */
  alertAfterFailures?: number;
  pausedRetryMs?: number;
}

const service = 'replication-reader';

const pauseTitles: Record<PauseCause, (table: string) => string> = {
  schema: (table) => `table ${table} paused: the registry rejected its new schema`,
  'too-large': (table) => `table ${table} paused: a change is larger than its topic accepts`,
  unmappable: (table) => `table ${table} paused: one of its values cannot be mapped`,
};

const pauseFixes: Record<PauseCause, (retrySeconds: number) => string> = {
  schema: (seconds) =>
    `Accept the schema change in the registry (the reader's "table paused" log line has the exact call); ` +
    `the reader checks every ${seconds} s and resumes the table by itself.`,
  'too-large': (seconds) =>
    `Raise max.message.bytes on the topic (the reader's "message too large" log line has the size), or ` +
    `exclude the large column; the reader checks every ${seconds} s and resumes the table by itself.`,
  unmappable: () =>
    `The reader's "a value cannot be mapped" log line names the column and its type: exclude the column (or, ` +
    'for a key column, declare another key) in the connector and redeploy, or upgrade the reader; the new ' +
    'reader replays the held changes.',
};

const resumeDetails: Record<PauseCause, string> = {
  schema: 'The registry accepted its schema; the reader replayed its held changes from the slot.',
  'too-large': 'Its topic takes the large message now; the reader replayed its held changes from the slot.',
  unmappable: 'The reader replayed its held changes from the slot.',
};

export class ReaderAlerts {
  private readonly paused = new Map<string, PauseCause>();
  private failures = 0;

  constructor(
    private readonly notifier: Notifier,
    private readonly settings: ReaderAlertSettings,
  ) {}

  private get threshold(): number {
    return this.settings.alertAfterFailures ?? 3;
  }

  /** Told on every description of a table: only a change between paused and streaming is news. */
  tablePaused(table: string, paused: boolean, cause: PauseCause = 'schema'): void {
    if (paused === this.paused.has(table)) return;
    const connector = this.settings.connectors.byName(table);
    const topic = connector ? this.settings.connectors.topicOf(connector) : undefined;
    const fields = { table, ...(topic ? { topic } : {}), slot: this.settings.slot };
    if (paused) {
      this.paused.set(table, cause);
      const retrySeconds = Math.round((this.settings.pausedRetryMs ?? 30_000) / 1000);
      const held =
        "The other tables keep streaming and the slot holds this table's changes, so nothing is " +
        "lost, but the slot's confirmed position waits and WAL accumulates. ";
      this.notifier.notify({
        kind: 'pause',
        service,
        key: `table:${table}`,
        title: pauseTitles[cause](table),
        detail: `${held}${pauseFixes[cause](retrySeconds)}`,
        fields,
      });
    } else {
      const was = this.paused.get(table);
      this.paused.delete(table);
      this.notifier.notify({
        kind: 'resume',
        service,
        key: `table:${table}`,
        title: `table ${table} streams again`,
        detail: resumeDetails[was ?? 'schema'],
        fields,
      });
    }
  }

  /** After a run failed; `failures` counts consecutive failed runs. */
  runFailed(error: unknown, failures: number, retryInMs: number): void {
    this.failures = failures;
    if (failures < this.threshold) return;
    const { code } = disclosureOf(error);
    this.notifier.notify({
      kind: 'failure',
      service,
      key: 'reader.stream',
      title: `replication stream failed ${failures} times in a row`,
      detail: disclosableMessage(error),
      fields: {
        slot: this.settings.slot,
        ...(code ? { code } : {}),
        'consecutive failures': failures,
        'next attempt in': `${Math.round(retryInMs / 1000)} s`,
      },
    });
  }

  /** A run streams: a recovery when people were told it was failing. */
  streaming(): void {
    const failures = this.failures;
    this.failures = 0;
    if (failures < this.threshold) return;
    this.notifier.notify({
      kind: 'recovery',
      service,
      key: 'reader.stream',
      title: 'replication stream is streaming again',
      detail: `after ${failures} failed runs; it restarted from the durable position: nothing skipped.`,
      fields: { slot: this.settings.slot, 'failed runs': failures },
    });
  }
}
