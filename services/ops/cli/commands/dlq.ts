/**
 * `cdc dlq list` and `cdc dlq replay`: the operator's side of the dead-letter topics. The sink parks a message
 * it can never apply as it is in `<topic>.dlq` and moves on; after a fix (a connector's transform, a constraint,
 * a schema), `replay` sends it back to its original topic and partition, where the sink applies it again
 * (order-safely: an older version than the row's is ignored). The work is in ../../dlq/; this file parses
 * the arguments, opens the connections and prints.
 */
import type { Admin, Kafka } from 'kafkajs';
import { connectorCatalogue } from '../../../../connectors/index.ts';
import { PipelineError } from '../../../../lib/errors/index.ts';
import { createKafka } from '../../../../lib/kafka/client.ts';
import { createLogger } from '../../../../lib/logging/index.ts';
import { configure } from '../../../../lib/runtime/index.ts';
import { type DeadLetter, letterId } from '../../dlq/dead-letter.ts';
import { type DlqTopic, resolveDlqTopics } from '../../dlq/dlq-topics.ts';
import { readDeadLetters } from '../../dlq/read-dead-letters.ts';
import { executeReplay, recordReplayRun } from '../../dlq/replay.ts';
import { isSelected, missingOffsets, planReplay, type ReplaySelection } from '../../dlq/replay-plan.ts';
import { connectReplayProducer } from '../../dlq/replay-producer.ts';
import { loadReplays, replayOf, tryLockReplays, unlockReplays } from '../../dlq/replay-records.ts';
import { resolveActor } from '../../operator-actions.ts';
import { type CliOutput, type Command, parseOptions } from '../command.ts';
import { withDatabaseConnection } from '../database-connection.ts';
import {
  formatListing,
  formatOutcome,
  formatPlan,
  listingJson,
  outcomeJson,
  planJson,
  type TopicListing,
} from '../dead-letters-report.ts';

const help = `Usage: cdc dlq list [--topic <name>]... [--all] [--limit <n>] [--json]
       cdc dlq replay [--topic <name>]... (--offset <n>... | --code <code> | --all-pending) [--force]
                      [--dry-run] [--json]

The raw sink sends a message it can never apply as it is (undecodable bytes, unknown schema id, transform or
validation error, constraint violation) to <topic>.dlq, with headers naming the error and the original topic,
partition and offset, and moves on. Fix the cause, then replay: each letter goes back to its original topic
and partition, with its original key and value bytes and a cdc-replayed-from header. The sink applies it only
if it is still the newest version of its row, so replaying an old letter is safe.

list      reads the DLQ topics to their current end and shows each letter: DLQ offset, original partition
          and offset, error code and message, when it was dead-lettered, key and value sizes (never the
          bytes) and whether it was replayed already. A summary line per topic.
replay    re-produces the selected letters (idempotent producer, acks from all replicas) and records each
          in cdc.dlq_replays and the run in cdc.operator_actions. A letter replayed already is skipped.

Options:
  --topic <name>       a connector name, its topic or its DLQ topic; repeatable (default: every connector's)
  --timeout <seconds>  how long reading the DLQ topics may take (default 60)
  --json               print JSON instead of a table
  --help               show this help
list:
  --all                show replayed letters too (default: pending only)
  --limit <n>          at most n letters per topic, oldest first (default 100; 0 = all)
replay (one selection is required; nothing is replayed without one):
  --offset <n>         this DLQ offset; repeatable or comma-separated; needs exactly one --topic
  --code <code>        every letter with this error code (e.g. CONSTRAINT_VIOLATION)
  --all-pending        every letter not replayed yet
  --force              replay letters that were replayed already, too (with --offset or --code)
  --dry-run            print what would be replayed, skipped or refused; send and record nothing

Environment: KAFKA_BROKERS, KAFKA_TOPIC_PREFIX (default core), DATABASE_URL_ANALYTICS (replay records),
SINK_GROUP_ID (recorded with each replay run), CDC_ACTOR (who replays; default: the OS user).

Exit codes: 0 done (or nothing to do), 1 a letter could not be replayed or something failed (a dry run
predicts it), 2 invalid configuration, 64 bad arguments (unknown topic or offset, no selection).
`;

const common = {
  topic: { type: 'string', multiple: true, default: [] as string[] },
  timeout: { type: 'string', default: '60' },
  json: { type: 'boolean', default: false },
} as const;

function usageError(message: string): PipelineError {
  return new PipelineError('INVALID_ARGUMENT', `dlq ${message}`);
}

function positiveSeconds(subcommand: string, value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw usageError(`${subcommand}: --timeout must be a positive number of seconds`);
  return seconds * 1000;
}

function nonNegativeInteger(subcommand: string, option: string, value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed))
    throw usageError(`${subcommand}: ${option} must be a whole number, not "${value}"`);
  return parsed;
}

/**
 * kafkajs logs to stderr, because stdout carries the report (or JSON). Only its errors by default: its
 * warnings are about client internals (a one-shot idempotent producer with bounded retries) and would bury the
 * command's own messages; LOG_LEVEL=debug or trace shows everything.
 */
function kafkaFor(settings: Parameters<typeof createKafka>[0], level: string): Kafka {
  const kafkaLevel = level === 'debug' || level === 'trace' ? level : 'error';
  return createKafka(
    settings,
    createLogger({ service: 'cdc', level: kafkaLevel, destination: process.stderr }),
    'cdc-dlq',
  );
}

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function list(args: readonly string[], output: CliOutput): Promise<number> {
  const options = parseOptions('dlq list', args, {
    ...common,
    all: { type: 'boolean', default: false },
    limit: { type: 'string', default: '100' },
  });
  const view = { all: options.all, limit: nonNegativeInteger('list', '--limit', options.limit) };
  const timeoutMs = positiveSeconds('list', options.timeout);
  const { config } = configure('cdc', ['kafka', 'analyticsDatabase']);
  const kafka = kafkaFor(config.kafka, config.runtime.logLevel);
  const catalogue = connectorCatalogue(config.kafka.topics.prefix);

  const { topics, letters } = await withAdmin(kafka, async (admin) => {
    const topics = resolveDlqTopics(catalogue, new Set(await admin.listTopics()), options.topic);
    const existing = topics.filter((topic) => topic.exists).map((topic) => topic.dlqTopic);
    return { topics, letters: await readDeadLetters(kafka, admin, existing, { timeoutMs }) };
  });
  const replays = await withDatabaseConnection(config.analyticsDatabase.url, 'dlq list', (client) =>
    loadReplays(
      client,
      topics.map((topic) => topic.dlqTopic),
    ),
  );
  const listings: TopicListing[] = topics.map((topic) => ({
    topic,
    letters: letters
      .filter((letter) => letter.dlqTopic === topic.dlqTopic)
      .map((letter) => ({ letter, replay: replayOf(letter, replays) })),
  }));
  output.stdout(
    options.json
      ? `${JSON.stringify(listingJson(listings, view), null, 2)}\n`
      : formatListing(listings, view),
  );
  return 0;
}

function parseSelection(options: {
  offset: string[];
  code?: string | undefined;
  'all-pending': boolean;
  force: boolean;
}): ReplaySelection {
  const chosen = [options.offset.length > 0, options.code !== undefined, options['all-pending']].filter(
    Boolean,
  );
  if (chosen.length === 0)
    throw usageError(
      'replay: say which letters to replay: --offset <n>, --code <code> or --all-pending ' +
        '(nothing is replayed without an explicit selection)',
    );
  if (chosen.length > 1) throw usageError('replay: --offset, --code and --all-pending exclude each other');
  if (options['all-pending'] && options.force)
    throw usageError(
      'replay: --force applies to --offset or --code (--all-pending selects pending letters only)',
    );
  if (options.code !== undefined) return { kind: 'code', code: options.code };
  if (options['all-pending']) return { kind: 'all-pending' };
  const offsets = options.offset
    .flatMap((value) => value.split(','))
    .map((value) => nonNegativeInteger('replay', '--offset', value));
  return { kind: 'offsets', offsets: [...new Set(offsets)] };
}

/** Offsets name letters in one DLQ topic; asking for any that is not there is a typo, not a partial success. */
function checkOffsets(
  selection: ReplaySelection,
  topics: readonly DlqTopic[],
  letters: readonly DeadLetter[],
) {
  if (selection.kind !== 'offsets') return;
  const missing = missingOffsets(letters, selection.offsets);
  if (missing.length === 0) return;
  const topic = topics[0] as DlqTopic;
  const held =
    letters.length === 0
      ? 'it holds no letters'
      : `it holds offsets ${letters[0]?.dlqOffset}..${letters.at(-1)?.dlqOffset}`;
  throw usageError(
    `replay: ${topic.dlqTopic} has no letter at offset ${missing.join(', ')} (${topic.exists ? held : 'it does not exist'})`,
  );
}

async function replay(args: readonly string[], output: CliOutput): Promise<number> {
  const options = parseOptions('dlq replay', args, {
    ...common,
    offset: { type: 'string', multiple: true, default: [] as string[] },
    code: { type: 'string' },
    'all-pending': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  });
  const selection = parseSelection(options);
  const timeoutMs = positiveSeconds('replay', options.timeout);
  const dryRun = options['dry-run'];
  const { config } = configure('cdc', ['kafka', 'analyticsDatabase', 'sink', 'operator']);
  const kafka = kafkaFor(config.kafka, config.runtime.logLevel);
  const catalogue = connectorCatalogue(config.kafka.topics.prefix);
  const actor = resolveActor(config.operator.actor);

  return withAdmin(kafka, async (admin) => {
    const existingTopics = new Set(await admin.listTopics());
    const topics = resolveDlqTopics(catalogue, existingTopics, options.topic);
    if (selection.kind === 'offsets' && topics.length !== 1)
      throw usageError('replay: --offset needs exactly one --topic (offsets are per DLQ topic)');
    const dlqTopics = topics.filter((topic) => topic.exists).map((topic) => topic.dlqTopic);
    return withDatabaseConnection(config.analyticsDatabase.url, 'dlq replay', async (client) => {
      if (!dryRun) {
        // Before reading which letters are pending: another run's replays would otherwise look pending.
        const busy = await tryLockReplays(client, dlqTopics);
        if (busy.length > 0) {
          output.stderr(
            `cdc dlq replay: another replay of ${busy.join(', ')} is running; try again when it is done.\n`,
          );
          return 1;
        }
      }
      try {
        const replays = await loadReplays(client, dlqTopics);
        const letters = await readDeadLetters(kafka, admin, dlqTopics, {
          timeoutMs,
          keepPayload: (letter) => !dryRun && isSelected(letter, selection, replays),
        });
        checkOffsets(selection, topics, letters);
        const sourceTopics = [...new Set(topics.map((topic) => topic.sourceTopic))].filter((topic) =>
          existingTopics.has(topic),
        );
        // An empty list would fetch every topic's metadata.
        const metadata =
          sourceTopics.length > 0 ? (await admin.fetchTopicMetadata({ topics: sourceTopics })).topics : [];
        const partitions = new Map(metadata.map((topic) => [topic.name, topic.partitions.length]));
        const plan = planReplay({ letters, replays, partitions, selection, force: options.force });

        if (plan.length === 0) {
          output.stdout(
            options.json
              ? `${JSON.stringify({ dryRun, nothingToDo: true }, null, 2)}\n`
              : 'Nothing to replay: no letter matches the selection.\n',
          );
          return 0;
        }
        const refused = plan.some((decision) => decision.action === 'refuse');
        if (dryRun) {
          output.stdout(options.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : formatPlan(plan));
          return refused ? 1 : 0;
        }

        const producer = await connectReplayProducer(kafka);
        const outcome = await executeReplay(plan, producer, client, actor).finally(() => producer.close());
        const operatorActionId = await recordReplayRun(
          client,
          { actor, consumerGroup: config.sink.groupId, selection, force: options.force },
          outcome,
        );
        output.stdout(
          options.json
            ? `${JSON.stringify(outcomeJson(outcome, operatorActionId), null, 2)}\n`
            : formatOutcome(outcome, operatorActionId),
        );
        for (const { letter, reason } of outcome.refused)
          output.stderr(`cdc dlq replay: cannot replay ${letterId(letter)}: ${reason}\n`);
        if (outcome.failed)
          output.stderr(
            `cdc dlq replay: ${letterId(outcome.failed.letter)} failed: ${outcome.failed.reason}\n`,
          );
        return outcome.failed || outcome.refused.length > 0 ? 1 : 0;
      } finally {
        if (!dryRun) await unlockReplays(client).catch(() => undefined);
      }
    });
  });
}

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list dead letters (poison messages) and replay them after a fix',
  help,
  async run(args, output) {
    const [subcommand, ...rest] = args;
    if (subcommand === 'list') return list(rest, output);
    if (subcommand === 'replay') return replay(rest, output);
    throw usageError(
      subcommand === undefined
        ? 'expects a subcommand: list or replay'
        : `has no subcommand '${subcommand}' (expected list or replay)`,
    );
  },
};
