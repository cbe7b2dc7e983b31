/**
 * `cdc rewind`: moves a consumer group's cursor (cdc.consumer_offsets, the sinks' truth) while the sinks run.
 * They re-seek within a moment (NOTIFY, with a polling fallback), and Kafka's committed offsets are brought
 * back in line. A replay is safe: the sink applies a version only when its source position is not older than
 * the row's, so raw converges to the source again.
 */
import { connectorCatalogue } from '../../../../connectors/index.ts';
import { PipelineError } from '../../../../lib/errors/index.ts';
import { createKafka } from '../../../../lib/kafka/client.ts';
import { configure } from '../../../../lib/runtime/index.ts';
import { resolveActor } from '../../operator-actions.ts';
import { applyRewind } from '../../rewind/apply.ts';
import { mirrorToKafka } from '../../rewind/kafka-mirror.ts';
import { type PartitionSelection, planRewind } from '../../rewind/plan.ts';
import { describeTarget, parseTarget } from '../../rewind/target.ts';
import { type Command, parseOptions } from '../command.ts';
import { withDatabaseConnection } from '../database-connection.ts';
import { quietLogger } from '../quiet-logger.ts';
import { formatMoves } from '../rewind-report.ts';

const help = `Usage: cdc rewind (--topic <name>... [--partition <n>...] | --all-topics)
                  (--to earliest|latest | --to-offset <n> | --to-time <ISO 8601> | --ago <duration>)
                  [--group <id>] [--dry-run] [--json] [--wait <seconds>]

Moves a consumer group's cursor (the offsets stored in cdc.consumer_offsets, which the sinks follow) to replay
changes, or to skip them, while the sinks keep running: they re-seek within seconds, with no restart. A
replay converges: a version applies only when its source position is not older than the stored row's.

Selection:
  --topic <name>        connector name (see connectors/) or topic, repeatable
  --partition <n>       only these partitions (repeatable; with exactly one --topic)
  --all-topics          every captured topic

Target (exactly one):
  --to earliest         the first retained offset: replays everything Kafka still holds
  --to latest           the end: skips everything not applied yet
  --to-offset <n>       this offset on every selected partition
  --to-time <time>      the first message at or after this time (Kafka timestamp: when the reader produced it)
  --ago <duration>      the same, that long ago: 90s, 15m, 2h, 7d, 1h30m

Options:
  --group <id>          consumer group (default SINK_GROUP_ID)
  --dry-run             print what would move from where to where; change nothing
  --json                print the moves as JSON
  --wait <seconds>      how long to wait for running sinks to pick the rewind up (default 60)
  --help                show this help

Every rewind is recorded in cdc.cursor_rewinds and cdc.operator_actions (who: CDC_ACTOR or the OS user; when;
each partition's offset before and after).

Exit codes: 0 moved (or dry run), 1 moved but Kafka's committed offsets did not agree with the cursor within
--wait (the sinks will still use the new cursor), 2 invalid configuration, 64 bad arguments (unknown topic or
partition, offset out of range, no target).
`;

function selections(
  catalogue: ReturnType<typeof connectorCatalogue>,
  topics: readonly string[],
  allTopics: boolean,
  partitions: readonly string[],
): PartitionSelection[] {
  if (allTopics === topics.length > 0) {
    throw new PipelineError(
      'INVALID_ARGUMENT',
      'rewind: name the topics with --topic, or pass --all-topics (not both)',
    );
  }
  if (partitions.length > 0 && topics.length !== 1) {
    throw new PipelineError('INVALID_ARGUMENT', 'rewind: --partition needs exactly one --topic');
  }
  const chosen = partitions.map((text) => {
    if (!/^\d+$/.test(text))
      throw new PipelineError(
        'INVALID_ARGUMENT',
        `rewind: --partition must be a whole number, not "${text}"`,
      );
    return Number(text);
  });
  const names = allTopics ? catalogue.connectors.map((connector) => connector.name) : topics;
  return names.map((name) => {
    const connector = catalogue.byName(name) ?? catalogue.byTopic(name);
    // A topic no connector declares (a table dropped from capture) is accepted if Kafka has it (checked later).
    return {
      topic: connector ? catalogue.topicOf(connector) : name,
      partitions: chosen.length > 0 ? chosen : undefined,
    };
  });
}

export const rewindCommand: Command = {
  name: 'rewind',
  summary: "move a consumer group's cursor to replay (or skip) changes, live",
  help,
  async run(args, output) {
    const options = parseOptions('rewind', args, {
      topic: { type: 'string', multiple: true },
      partition: { type: 'string', multiple: true },
      'all-topics': { type: 'boolean', default: false },
      to: { type: 'string' },
      'to-offset': { type: 'string' },
      'to-time': { type: 'string' },
      ago: { type: 'string' },
      group: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      wait: { type: 'string', default: '60' },
    });
    const target = parseTarget({
      to: options.to,
      toOffset: options['to-offset'],
      toTime: options['to-time'],
      ago: options.ago,
    });
    const waitSeconds = Number(options.wait);
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
      throw new PipelineError('INVALID_ARGUMENT', 'rewind: --wait must be a number of seconds');
    }
    const { config } = configure('cdc', ['kafka', 'analyticsDatabase', 'sink', 'operator']);
    const catalogue = connectorCatalogue(config.kafka.topics.prefix);
    const selected = selections(
      catalogue,
      options.topic ?? [],
      options['all-topics'],
      options.partition ?? [],
    );
    const group = options.group ?? config.sink.groupId;
    const kafka = createKafka(config.kafka, quietLogger(config.runtime.logLevel), 'cdc-rewind');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = selected.filter((selection) => !existing.has(selection.topic));
      if (missing.length > 0) {
        const known = catalogue.connectors.map((connector) => connector.name).join(', ');
        throw new PipelineError(
          'INVALID_ARGUMENT',
          `rewind: no topic ${missing.map((selection) => selection.topic).join(', ')} in Kafka (connectors: ${known}; a table's topic exists once the reader captured it)`,
        );
      }
      return await withDatabaseConnection(config.analyticsDatabase.url, 'rewind', async (client) => {
        const planned = await planRewind(admin, client, group, selected, target);
        const targetText = describeTarget(target);
        if (options['dry-run']) {
          output.stdout(
            options.json
              ? `${JSON.stringify({ dryRun: true, group, target: targetText, moves: planned }, null, 2)}\n`
              : formatMoves(group, targetText, planned, { dryRun: true }),
          );
          return 0;
        }
        const actor = resolveActor(config.operator.actor);
        const applied = await applyRewind(client, group, targetText, actor, planned);
        const mirror = await mirrorToKafka(admin, client, group, applied.moves, waitSeconds * 1000);
        output.stdout(
          options.json
            ? `${JSON.stringify({ dryRun: false, group, target: targetText, actor, ...applied, kafka: mirror }, null, 2)}\n`
            : formatMoves(group, targetText, applied.moves, {
                dryRun: false,
                rewindId: applied.rewindId,
                actor,
                mirror,
              }),
        );
        return mirror.pending.length === 0 ? 0 : 1;
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};
