/**
 * `cdc snapshot <table>`: re-reads one captured table into its topic while streaming continues. The running
 * reader does the work (an incremental snapshot, snapshot/incremental.ts); this command asks it through the WAL
 * (signals.ts: only the reader streaming the slot sees it, in order) and follows its progress.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connectorCatalogue } from '../../../../connectors/index.ts';
import { PipelineError } from '../../../../lib/errors/index.ts';
import { createKafka } from '../../../../lib/kafka/client.ts';
import { configure } from '../../../../lib/runtime/index.ts';
import { stateTopic, tableSnapshotKey } from '../../../../lib/source/reader-state.ts';
import { emitSnapshotSignal } from '../../../../lib/source/signals.ts';
import type { Command } from '../command.ts';
import { withDatabaseConnection } from '../database-connection.ts';
import { followSnapshotState, renderProgress } from '../snapshot-progress.ts';

const help = `Usage: cdc snapshot <table> [--no-wait] [--timeout <seconds>]

Re-reads one captured table into its topic while streaming continues: an incremental snapshot, in chunks of
rows in key order fenced by watermarks in the WAL, so no change is lost or overwritten by an older copy. The
running reader does the work; this command asks it (through the WAL, as DATABASE_URL_CORE) and shows its
progress from the reader's state topic. Stopping this command does not stop the snapshot; a restarted reader
resumes it from its last chunk. Asking again restarts it from the first row.

Arguments:
  <table>              connector name (see connectors/) or schema.table

Options:
  --no-wait            return once the request is in the WAL
  --timeout <seconds>  how long to follow the progress (default 3600)
  --help               show this help

Exit codes: 0 done (or requested, with --no-wait), 1 failed or not done within the timeout,
2 invalid configuration, 64 bad arguments.
`;

function parse(args: readonly string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        'no-wait': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '3600' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new Error('expects exactly one table');
    const timeout = Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0)
      throw new Error('--timeout must be a positive number of seconds');
    return { table: positionals[0] as string, wait: !values['no-wait'], timeoutMs: timeout * 1000 };
  } catch (error) {
    throw new PipelineError('INVALID_ARGUMENT', `snapshot: ${(error as Error).message}`, { cause: error });
  }
}

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 're-read one table into its topic while streaming continues, with a progress bar',
  help,
  async run(args, output) {
    const options = parse(args);
    const { config, logger } = configure('cdc', ['coreDatabase', 'kafka', 'replication']);
    const catalogue = connectorCatalogue(config.kafka.topics.prefix);
    const [schema, name] = options.table.includes('.')
      ? options.table.split('.', 2)
      : [undefined, options.table];
    const connector =
      schema === undefined ? catalogue.byName(options.table) : catalogue.bySource(schema, name as string);
    if (!connector) {
      const known = catalogue.connectors.map((candidate) => candidate.name).join(', ');
      throw new PipelineError(
        'INVALID_ARGUMENT',
        `snapshot: no connector captures ${options.table} (known: ${known})`,
      );
    }
    const id = `cli-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const lsn = await withDatabaseConnection(config.coreDatabase.url, 'snapshot', (client) =>
      emitSnapshotSignal(client, { type: 'snapshot', table: connector.name, id }),
    );
    output.stdout(`Requested an incremental snapshot of ${connector.name} (request ${id}, WAL ${lsn}).\n`);
    if (!options.wait) return 0;

    const kafka = createKafka(config.kafka, logger, 'cdc-snapshot');
    const follower = await followSnapshotState(
      kafka,
      stateTopic(config.kafka.topics.prefix),
      tableSnapshotKey(config.replication.slotName, connector.name),
      id,
    );
    const started = Date.now();
    let lastLine = '';
    let warned = false;
    try {
      for (;;) {
        const state = follower.latest();
        const line = renderProgress(connector.name, state);
        // A terminal gets one line redrawn in place; a log gets a line only when something changed.
        if (output.isTTY) output.stdout(`\r${line}`);
        else if (line !== lastLine) output.stdout(`${line}\n`);
        lastLine = line;
        if (state?.status === 'done' || state?.status === 'failed') {
          if (output.isTTY) output.stdout('\n');
          const seconds = ((Date.parse(state.updatedAt) - Date.parse(state.requestedAt)) / 1000).toFixed(1);
          if (state.status === 'failed') {
            output.stderr(
              `cdc snapshot: ${connector.name} failed: ${state.error ?? 'see the reader logs'}\n`,
            );
            return 1;
          }
          output.stdout(
            `${connector.name}: ${state.rows.toLocaleString('en-US')} rows in ${state.chunks} chunks, ${seconds} s.\n`,
          );
          return 0;
        }
        if (!state && !warned && Date.now() - started > 60_000) {
          warned = true;
          output.stderr(
            '\ncdc snapshot: no reader has picked up the request after 60 s. Is the reader running and caught up? ' +
              'It will run the snapshot when it reaches the request in the WAL.\n',
          );
        }
        if (Date.now() - started > options.timeoutMs) {
          output.stderr(
            `\ncdc snapshot: not done within ${options.timeoutMs / 1000} s; it goes on in the reader.\n`,
          );
          return 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await follower.close();
    }
  },
};
