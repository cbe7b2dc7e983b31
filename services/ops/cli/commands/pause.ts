/**
 * `cdc pause <table>` and `cdc resume <table>`: hold one captured table's topic in the raw sinks, and let it go
 * again. cdc.table_state is the truth every sink replica follows; the work (row, audit, NOTIFY in one
 * transaction) is in ../../tables/; this file parses the arguments, opens the connection and prints.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type ConnectorCatalogue, connectorCatalogue } from '../../../../connectors/index.ts';
import { PipelineError } from '../../../../lib/errors/index.ts';
import { configure } from '../../../../lib/runtime/index.ts';
import { resolveActor } from '../../operator-actions.ts';
import { pauseTable } from '../../tables/pause.ts';
import { resumeTable } from '../../tables/resume.ts';
import { isSchemaPause, readPausedTables, type TableState } from '../../tables/table-states.ts';
import type { CliOutput, Command } from '../command.ts';
import { withDatabaseConnection } from '../database-connection.ts';

const environment = `Environment: DATABASE_URL_ANALYTICS (cdc.table_state), KAFKA_TOPIC_PREFIX (default core; with
KAFKA_BROKERS, which the configuration requires but this command does not contact), CDC_ACTOR (who; default:
the OS user).`;

const pauseHelp = `Usage: cdc pause <table> [--reason <text>] [--json]
       cdc pause --list [--json]

Stops the raw sinks consuming one captured table until \`cdc resume\`. The table is marked paused in
cdc.table_state, which every sink replica follows, and the change is announced (NOTIFY cdc_table_state), so
running sinks stop within a moment (at worst at their next poll, SINK_PAUSED_POLL_MS). The partitions keep
their place: nothing is skipped, the stored cursor stays, and a resume goes on from it. The other tables flow
on. Once changes to the paused table wait in Kafka, the marts watermark stops at the last one applied: the
marts stay consistent but do not move forward until the table is resumed.

A table a sink paused for an incompatible schema change is already paused and is left as it is (its reason
says which migration to write): it resumes by itself once the raw table is migrated, so applying the
migration is what lets it go on.

Arguments:
  <table>              connector name (see connectors/) or its topic

Options:
  --reason <text>      why, for \`cdc status\` and the audit trail; stored as "paused by <actor>: <text>"
                       (without it: "paused by <actor>")
  --list               print the paused tables (by an operator or by a schema change), since when and why
  --json               print JSON
  --help               show this help

Every pause is recorded in cdc.operator_actions (action 'pause'); asking for one that is in place already
changes and records nothing.

${environment}

Exit codes: 0 paused, already paused (said so) or listed, 2 invalid configuration, 64 bad arguments (no table,
or one no connector captures).
`;

const resumeHelp = `Usage: cdc resume <table> [--force] [--json]

Lets the raw sinks consume a table paused with \`cdc pause\` again: cdc.table_state goes back to active and
the change is announced (NOTIFY cdc_table_state), so running sinks seek back to the stored cursor and go on
from where the table stopped within a moment (at worst at their next poll, SINK_PAUSED_POLL_MS). Nothing was
skipped while it was paused.

A table a sink paused for an incompatible schema change is refused (exit 1): resumed before the raw table
can hold the new type, the sink would meet the same schema at the next message and pause it again. Write the
migration its reason names (npm run db:new), apply it (npm run db:migrate): the sink sees it at its next poll
and resumes the table by itself.

Arguments:
  <table>              connector name (see connectors/) or its topic

Options:
  --force              resume a schema-caused pause anyway (say, the raw table was migrated but no sink that
                       captures the table runs to notice); a sink that still cannot apply the schema pauses
                       it again
  --json               print JSON
  --help               show this help

Every resume is recorded in cdc.operator_actions (action 'resume', with the pause it ended); resuming a table
that is not paused changes and records nothing.

${environment}

Exit codes: 0 resumed, or not paused (said so), 1 refused (a schema-caused pause without --force),
2 invalid configuration, 64 bad arguments (no table, or one no connector captures).
`;

interface TableRef {
  table: string;
  topic: string;
  rawTable: string;
}

function usageError(command: string, message: string): PipelineError {
  return new PipelineError('INVALID_ARGUMENT', `${command}: ${message}`);
}

function parse<const Options extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: Options,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new PipelineError('INVALID_ARGUMENT', `${command}: ${(error as Error).message}`, { cause: error });
  }
}

function oneTable(command: string, positionals: readonly string[]): string {
  if (positionals.length === 0)
    throw usageError(
      command,
      `expects a table: a connector name or its topic${command === 'pause' ? ' (or --list)' : ''}`,
    );
  if (positionals.length > 1)
    throw usageError(command, `expects exactly one table, not ${positionals.join(' ')}`);
  return positionals[0] as string;
}

function resolveTable(command: string, catalogue: ConnectorCatalogue, name: string): TableRef {
  const connector = catalogue.byName(name) ?? catalogue.byTopic(name);
  if (!connector) {
    const known = catalogue.connectors.map((candidate) => candidate.name).join(', ');
    throw usageError(command, `no connector captures ${name} (connectors: ${known}; or their topics)`);
  }
  return {
    table: connector.name,
    topic: catalogue.topicOf(connector),
    rawTable: connector.destination.table,
  };
}

/** One line, bounded: it is shown by `cdc status` and in logs. */
function parseNote(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const note = text.replace(/\s+/g, ' ').trim();
  if (note === '') throw usageError('pause', '--reason must not be empty');
  if (note.length > 500) throw usageError('pause', '--reason is limited to 500 characters');
  return note;
}

const kindOf = (state: TableState) => (isSchemaPause(state) ? 'schema' : 'operator');

function stateJson(state: TableState | undefined, catalogue: ConnectorCatalogue) {
  if (!state) return null;
  return {
    table: catalogue.byTopic(state.topic)?.name ?? null,
    topic: state.topic,
    rawTable: state.rawTable,
    status: state.status,
    pausedBy: state.status === 'paused' ? kindOf(state) : null,
    reason: state.reason,
    schemaVersion: state.schemaVersion,
    since: state.updatedAt.toISOString(),
  };
}

const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const named = (ref: TableRef) => `${ref.table} (${ref.topic})`;
const reasonOf = (state: TableState) => state.reason ?? 'paused by an operator';

function describePause(state: TableState): string {
  const since = state.updatedAt.toISOString();
  return isSchemaPause(state)
    ? `paused by the sink since ${since} for an incompatible schema change (writer schema ${state.schemaVersion}): ${reasonOf(state)}`
    : `paused since ${since}: ${reasonOf(state)}`;
}

function formatPausedList(states: readonly TableState[], catalogue: ConnectorCatalogue): string {
  if (states.length === 0) return 'No table is paused.\n';
  const rows = states.map((state) => [
    catalogue.byTopic(state.topic)?.name ?? '-',
    state.topic,
    state.updatedAt.toISOString(),
    isSchemaPause(state) ? `schema ${state.schemaVersion}` : 'operator',
    reasonOf(state),
  ]);
  const header = ['TABLE', 'TOPIC', 'SINCE', 'BY', 'REASON'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${states.length} paused table(s).\n`;
}

async function listPaused(asJson: boolean, output: CliOutput): Promise<number> {
  const { config } = configure('cdc', ['kafka', 'analyticsDatabase']);
  const catalogue = connectorCatalogue(config.kafka.topics.prefix);
  const states = await withDatabaseConnection(config.analyticsDatabase.url, 'pause', readPausedTables);
  output.stdout(
    asJson
      ? toJson({ paused: states.map((state) => stateJson(state, catalogue)) })
      : formatPausedList(states, catalogue),
  );
  return 0;
}

export const pauseCommand: Command = {
  name: 'pause',
  summary: 'stop the raw sinks consuming one table (its cursor stays) until cdc resume',
  help: pauseHelp,
  async run(args, output) {
    const { values, positionals } = parse('pause', args, {
      reason: { type: 'string' },
      list: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    if (values.list) {
      if (positionals.length > 0 || values.reason !== undefined)
        throw usageError('pause', '--list takes no table and no --reason');
      return listPaused(values.json, output);
    }
    const name = oneTable('pause', positionals);
    const note = parseNote(values.reason);
    const { config } = configure('cdc', ['kafka', 'analyticsDatabase', 'operator']);
    const catalogue = connectorCatalogue(config.kafka.topics.prefix);
    const ref = resolveTable('pause', catalogue, name);
    const actor = resolveActor(config.operator.actor);
    const outcome = await withDatabaseConnection(config.analyticsDatabase.url, 'pause', (client) =>
      pauseTable(client, { ...ref, actor, note }),
    );

    if (values.json) {
      output.stdout(
        toJson({
          outcome: outcome.kind,
          table: ref.table,
          topic: ref.topic,
          actor,
          state: stateJson(outcome.state, catalogue),
          operatorActionId: outcome.kind === 'paused' ? outcome.operatorActionId : null,
        }),
      );
    } else if (outcome.kind === 'paused') {
      output.stdout(
        `Paused ${named(ref)}: ${reasonOf(outcome.state)} (operator action ${outcome.operatorActionId}).\n` +
          'Running sinks stop consuming it within a moment; its cursor stays and the other tables go on.\n' +
          `\`cdc resume ${ref.table}\` goes on from where it stopped.\n`,
      );
    } else {
      const next = isSchemaPause(outcome.state)
        ? `It resumes by itself once analytics_raw.${outcome.state.rawTable} is migrated: applying the migration is what lets it go on.\n`
        : '';
      output.stdout(`${named(ref)} is already ${describePause(outcome.state)}. Nothing changed.\n${next}`);
    }
    return 0;
  },
};

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'let the raw sinks consume a paused table again, from its cursor',
  help: resumeHelp,
  async run(args, output) {
    const { values, positionals } = parse('resume', args, {
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const name = oneTable('resume', positionals);
    const { config } = configure('cdc', ['kafka', 'analyticsDatabase', 'operator']);
    const catalogue = connectorCatalogue(config.kafka.topics.prefix);
    const ref = resolveTable('resume', catalogue, name);
    const actor = resolveActor(config.operator.actor);
    const outcome = await withDatabaseConnection(config.analyticsDatabase.url, 'resume', (client) =>
      resumeTable(client, { topic: ref.topic, table: ref.table, actor, force: values.force }),
    );

    if (values.json)
      output.stdout(
        toJson({
          outcome: outcome.kind === 'schema-pause' ? 'refused' : outcome.kind,
          table: ref.table,
          topic: ref.topic,
          actor,
          state: stateJson(outcome.state, catalogue),
          endedPause: outcome.kind === 'resumed' ? stateJson(outcome.previous, catalogue) : null,
          operatorActionId: outcome.kind === 'resumed' ? outcome.operatorActionId : null,
        }),
      );
    if (outcome.kind === 'schema-pause') {
      output.stderr(
        `cdc resume: ${named(ref)} is ${describePause(outcome.state)}\n` +
          `Not resumed: before analytics_raw.${outcome.state.rawTable} can hold the new type, the sink would meet ` +
          'the same schema at the next message and pause it again. Write the migration the reason names ' +
          '(npm run db:new) and apply it (npm run db:migrate): the sink notices at its next poll ' +
          '(SINK_PAUSED_POLL_MS) and resumes the table by itself. --force resumes it anyway.\n',
      );
      return 1;
    }
    if (values.json) return 0;
    if (outcome.kind === 'not-paused') {
      output.stdout(`${named(ref)} is not paused. Nothing changed.\n`);
      return 0;
    }
    output.stdout(
      `Resumed ${named(ref)}, ${describePause(outcome.previous)} (operator action ${outcome.operatorActionId}).\n` +
        'Running sinks seek back to its stored cursor and go on from there within a moment.\n',
    );
    return 0;
  },
};
