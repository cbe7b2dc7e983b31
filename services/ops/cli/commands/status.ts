/**
 * `cdc status [--json] [--group <id>]`: every stage's health on one screen, from the sources of truth (the
 * slot, Kafka's offsets, the sink's cursor, the marts runs) plus what the services' /metrics add. Exit 1 when a
 * check fails, so it fits a script, a cron or a readiness gate.
 */
import { configure } from '../../../../lib/runtime/index.ts';
import { createStateSource } from '../../pipeline-state/source.ts';
import { type Command, parseOptions } from '../command.ts';
import { quietLogger } from '../quiet-logger.ts';
import { formatStatus } from '../status-report.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'health of every stage: slot, consumer lag, DLQ, paused tables, marts freshness',
  help: `Usage: cdc status [--json] [--group <id>]...

One screen with every stage's health:
- the reader: the slot (exists, streamed, confirmed LSN, lag in bytes and, from the reader's /metrics, in
  seconds, WAL status) and snapshots in progress;
- each consumer group and partition: the sink's cursor (cdc.consumer_offsets), Kafka's committed copy, the
  partition's end offset, lag in messages and in seconds (age of the oldest message not applied yet);
- commit-to-raw latency percentiles (the sinks' /metrics), dead letters per DLQ topic (pending: not
  replayed), paused tables, marts freshness (watermark of the last successful build).
Checks first, each with what to do when it is not ok.

Options:
  --json          print the whole state as JSON (the same document as the ops service's /api/state)
  --group <id>    consumer group to report, repeatable (default SINK_GROUP_ID)
  --help          show this help

Environment: DATABASE_URL_CORE, DATABASE_URL_ANALYTICS, KAFKA_BROKERS (required); thresholds
HEALTH_SLOT_LAG_WARN_BYTES / _FAIL_BYTES (1 GiB / 10 GiB), HEALTH_CONSUMER_LAG_WARN_SECONDS / _FAIL_SECONDS
(300 / 1800), HEALTH_MARTS_WARN_SECONDS / _FAIL_SECONDS (1800 / 7200); the services' metrics at
OPS_READER_METRICS_URLS, OPS_SINK_METRICS_URLS, OPS_MARTS_METRICS_URLS (comma-separated; unreachable ones are
reported as warnings).

Exit codes: 0 healthy (warnings allowed), 1 a check failed, 2 invalid configuration, 64 bad arguments.
`,
  async run(args, output) {
    const options = parseOptions('status', args, {
      json: { type: 'boolean', default: false },
      group: { type: 'string', multiple: true },
    });
    const { config } = configure('cdc', [
      'coreDatabase',
      'analyticsDatabase',
      'kafka',
      'replication',
      'sink',
      'health',
    ]);
    const source = await createStateSource(config, quietLogger(config.runtime.logLevel), {
      groupIds: options.group && options.group.length > 0 ? options.group : undefined,
      applicationName: 'cdc status',
    });
    try {
      const state = await source.collect();
      output.stdout(options.json ? `${JSON.stringify(state, null, 2)}\n` : formatStatus(state));
      return state.level === 'fail' ? 1 : 0;
    } finally {
      await source.close();
    }
  },
};
