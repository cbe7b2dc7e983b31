import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterHeaders, deadLetterTopic, replayedFromHeader } from '../../lib/kafka/dead-letters.ts';
import { readTopicsToEnd, type TopicRecord } from '../../lib/kafka/read-to-end.ts';
import { runDbmate } from '../../scripts/db/dbmate.ts';
import { tryLockReplays, unlockReplays } from '../../services/ops/dlq/replay-records.ts';
import { type CliResult, runCdc } from '../support/cdc-cli.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { requireEnv, uniqueName } from '../support/names.ts';

const prefix = uniqueName('dlq');
const partners = `${prefix}.public.partners`;
const missions = `${prefix}.public.missions`;
const partnersDlq = deadLetterTopic(partners);
const missionsDlq = deadLetterTopic(missions);
const sinkGroup = uniqueName('dlq-sink');
const secret = 'SECRET-ROW-DATA';

const kafka = new Kafka({
  clientId: 'dlq-command-test',
  brokers: requireEnv('KAFKA_BROKERS').split(','),
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
let analytics: ScratchDatabase;
let db: pg.Client;

interface Letter {
  code: string;
  partition?: number;
  offset: number;
  key: Buffer;
  value: Buffer;
  extraHeaders?: Record<string, string>;
}

/** As the sink writes them: original bytes, and the cause and origin in headers. */
const letters: Letter[] = [
  {
    code: 'DECODE_FAILED',
    partition: 1,
    offset: 10,
    key: Buffer.from([0, 0, 0, 0, 7, 2]),
    value: Buffer.concat([Buffer.from([0xff, 0x00, 0x01]), Buffer.from(`${secret}-0`)]),
    extraHeaders: { traceparent: '00-abc-def-01' },
  },
  {
    code: 'CONSTRAINT_VIOLATION',
    partition: 0,
    offset: 11,
    key: Buffer.from('key-1'),
    value: Buffer.from(`${secret}-1`),
  },
  {
    code: 'DECODE_FAILED',
    partition: 0,
    offset: 12,
    key: Buffer.from('key-2'),
    value: Buffer.from(`${secret}-2`),
  },
  // No original partition: it cannot go back anywhere.
  { code: 'VALIDATION_FAILED', offset: 13, key: Buffer.from('key-3'), value: Buffer.from(`${secret}-3`) },
];

async function produceLetters(
  dlqTopic: string,
  originalTopic: string,
  list: readonly Letter[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic: dlqTopic,
    acks: -1,
    messages: list.map((letter) => ({
      key: letter.key,
      value: letter.value,
      headers: {
        [deadLetterHeaders.errorCode]: letter.code,
        [deadLetterHeaders.errorMessage]: `${letter.code.toLowerCase()} at offset ${letter.offset}`,
        [deadLetterHeaders.originalTopic]: originalTopic,
        ...(letter.partition === undefined
          ? {}
          : { [deadLetterHeaders.originalPartition]: String(letter.partition) }),
        [deadLetterHeaders.originalOffset]: String(letter.offset),
        ...letter.extraHeaders,
      },
    })),
  });
  await producer.disconnect();
}

async function readAll(topic: string): Promise<TopicRecord[]> {
  const records: TopicRecord[] = [];
  await readTopicsToEnd(kafka, admin, [topic], (record) => records.push(record), {
    timeoutMs: 30_000,
    groupPrefix: 'dlq-command-test',
  });
  return records;
}

function cdc(args: string[]): Promise<CliResult> {
  return runCdc(
    ['dlq', ...args],
    {
      DATABASE_URL_ANALYTICS: analytics.url('DATABASE_URL_ANALYTICS'),
      KAFKA_TOPIC_PREFIX: prefix,
      SINK_GROUP_ID: sinkGroup,
      CDC_ACTOR: 'dlq-test-operator',
      LOG_LEVEL: 'warn',
    },
    90_000,
  );
}

const header = (record: TopicRecord, name: string) => record.headers[name]?.map((value) => value.toString());

describe('cdc dlq', () => {
  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: partners, numPartitions: 2 },
        { topic: partnersDlq, numPartitions: 1 },
        { topic: missions, numPartitions: 1 },
        { topic: missionsDlq, numPartitions: 1 },
      ],
    });
    await produceLetters(partnersDlq, partners, letters);
    await produceLetters(missionsDlq, missions, [
      {
        code: 'TRANSFORM_FAILED',
        partition: 0,
        offset: 3,
        key: Buffer.from('m'),
        value: Buffer.from(secret),
      },
    ]);
    analytics = await createScratchDatabase('dlq_command', ['cdc_sink']);
    const url = analytics.url('DATABASE_URL_ANALYTICS');
    const migrated = await runDbmate({ target: 'analytics', url, args: ['up'], capture: true });
    expect(migrated.code, migrated.output).toBe(0);
    db = new pg.Client({ connectionString: url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await analytics?.drop();
    await admin
      .deleteTopics({ topics: [partners, partnersDlq, missions, missionsDlq] })
      .catch(() => undefined);
    await admin.disconnect();
  }, 60_000);

  it('lists the pending letters of every connector with a summary per topic, never their bytes', async () => {
    const result = await cdc(['list']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${partnersDlq} → ${partners}: 4 pending, 0 replayed`);
    expect(result.stdout).toContain(`${missionsDlq} → ${missions}: 1 pending, 0 replayed`);
    expect(result.stdout).toContain(`${prefix}.public.widgets.dlq: no such topic yet`);
    expect(result.stdout).toMatch(/DECODE_FAILED .*decode_failed at offset 10/);
    expect(result.stdout).toContain('[cannot replay: no cdc-original-partition header]');
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('prints every field as JSON, filters by --topic, and names an unknown topic', async () => {
    const json = await cdc(['list', '--json', '--topic', 'partners']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toContain(secret);
    const report = JSON.parse(json.stdout) as {
      topics: { dlqTopic: string; pending: number }[];
      letters: Record<string, unknown>[];
    };
    expect(report.topics).toEqual([
      expect.objectContaining({
        dlqTopic: partnersDlq,
        sourceTopic: partners,
        connector: 'partners',
        pending: 4,
      }),
    ]);
    expect(report.letters).toHaveLength(4);
    expect(report.letters[0]).toEqual({
      dlqTopic: partnersDlq,
      dlqOffset: 0,
      originalTopic: partners,
      originalPartition: 1,
      originalOffset: 10,
      errorCode: 'DECODE_FAILED',
      errorMessage: 'decode_failed at offset 10',
      deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      keyBytes: 6,
      valueBytes: letters[0]?.value.length,
      problem: null,
      status: 'pending',
      replay: null,
    });
    expect(report.letters[3]).toMatchObject({ dlqOffset: 3, problem: 'no cdc-original-partition header' });

    const byDlqTopic = await cdc(['list', '--topic', missionsDlq]);
    expect(byDlqTopic.code, byDlqTopic.stderr).toBe(0);
    expect(byDlqTopic.stdout).toContain(`${missionsDlq} → ${missions}: 1 pending`);
    expect(byDlqTopic.stdout).not.toContain(partnersDlq);

    const unknown = await cdc(['list', '--topic', 'nope']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no connector or dead-letter topic named nope');
  });

  it('refuses to replay without an explicit selection, or offsets without one topic', async () => {
    const none = await cdc(['replay']);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('--all-pending');
    const offsetsEverywhere = await cdc(['replay', '--offset', '0']);
    expect(offsetsEverywhere.code).toBe(64);
    expect(offsetsEverywhere.stderr).toContain('--offset needs exactly one --topic');
    const missing = await cdc(['replay', '--topic', 'partners', '--offset', '99']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain(`${partnersDlq} has no letter at offset 99 (it holds offsets 0..3)`);
  });

  it('prints the plan on --dry-run and changes nothing', async () => {
    const result = await cdc(['replay', '--topic', 'partners', '--all-pending', '--dry-run']);
    // Exit 1 predicts the real run: one letter cannot be replayed.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain(`would replay  ${partnersDlq}/0 → ${partners}[1]`);
    expect(result.stdout).toContain(`would replay  ${partnersDlq}/2 → ${partners}[0]`);
    expect(result.stdout).toContain(`cannot replay ${partnersDlq}/3  no cdc-original-partition header`);
    expect(result.stdout).toContain(
      '3 would be replayed, 0 skipped (already replayed), 1 cannot be replayed.',
    );
    expect(await readAll(partners)).toEqual([]);
    expect((await db.query('SELECT * FROM cdc.dlq_replays')).rows).toEqual([]);
    expect((await db.query('SELECT * FROM cdc.operator_actions')).rows).toEqual([]);
  });

  it('replays one letter by offset: the exact bytes on the original partition, recorded once', async () => {
    const result = await cdc(['replay', '--topic', partners, '--offset', '0']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`replayed      ${partnersDlq}/0 → ${partners}[1] at offset 0`);

    const copies = await readAll(partners);
    expect(copies).toHaveLength(1);
    const [copy] = copies as [TopicRecord];
    expect(copy.partition).toBe(1);
    expect(copy.key?.equals(letters[0]?.key as Buffer)).toBe(true);
    expect(copy.value?.equals(letters[0]?.value as Buffer)).toBe(true);
    expect(header(copy, replayedFromHeader)).toEqual([`${partnersDlq}/0`]);
    expect(header(copy, 'traceparent')).toEqual(['00-abc-def-01']);
    for (const name of Object.values(deadLetterHeaders)) expect(header(copy, name)).toBeUndefined();

    const { rows } = await db.query(
      'SELECT dlq_topic, dlq_offset::int, original_topic, original_partition, original_offset::int, replayed_to_offset::int, actor FROM cdc.dlq_replays',
    );
    expect(rows).toEqual([
      {
        dlq_topic: partnersDlq,
        dlq_offset: 0,
        original_topic: partners,
        original_partition: 1,
        original_offset: 10,
        replayed_to_offset: 0,
        actor: 'dlq-test-operator',
      },
    ]);
    const actions = await db.query(
      'SELECT action, actor, consumer_group, topic, details FROM cdc.operator_actions',
    );
    expect(actions.rows).toEqual([
      {
        action: 'dlq-replay',
        actor: 'dlq-test-operator',
        consumer_group: sinkGroup,
        topic: partners,
        details: expect.objectContaining({
          selection: { kind: 'offsets', offsets: [0] },
          replayed: [
            {
              dlqTopic: partnersDlq,
              dlqOffset: 0,
              originalTopic: partners,
              originalPartition: 1,
              originalOffset: 10,
              replayedToOffset: 0,
            },
          ],
        }),
      },
    ]);
  });

  it('replays by error code across topics, and skips a letter replayed already', async () => {
    const byCode = await cdc(['replay', '--code', 'CONSTRAINT_VIOLATION']);
    expect(byCode.code, byCode.stderr).toBe(0);
    expect(byCode.stdout).toContain(`replayed      ${partnersDlq}/1 → ${partners}[0] at offset 0`);
    const onPartition0 = (await readAll(partners)).filter((record) => record.partition === 0);
    expect(onPartition0).toHaveLength(1);
    expect(onPartition0[0]?.value?.equals(letters[1]?.value as Buffer)).toBe(true);

    const again = await cdc(['replay', '--topic', 'partners', '--offset', '0', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const outcome = JSON.parse(again.stdout) as { replayed: unknown[]; skipped: { dlqOffset: number }[] };
    expect(outcome.replayed).toEqual([]);
    expect(outcome.skipped).toEqual([expect.objectContaining({ dlqOffset: 0 })]);
    expect(await readAll(partners)).toHaveLength(2);
    expect((await db.query('SELECT 1 FROM cdc.dlq_replays')).rowCount).toBe(2);
  });

  it('lists replayed letters as such: hidden by default, shown with --all', async () => {
    const pending = await cdc(['list', '--topic', 'partners']);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toContain(`${partnersDlq} → ${partners}: 2 pending, 2 replayed`);
    expect(pending.stdout).toContain('2 replayed letter(s) not shown; --all shows them.');

    const all = await cdc(['list', '--topic', 'partners', '--all', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const report = JSON.parse(all.stdout) as {
      letters: {
        dlqOffset: number;
        status: string;
        replay: { replayedToOffset: number; actor: string } | null;
      }[];
    };
    expect(report.letters.map((letter) => [letter.dlqOffset, letter.status])).toEqual([
      [0, 'replayed'],
      [1, 'replayed'],
      [2, 'pending'],
      [3, 'pending'],
    ]);
    expect(report.letters[0]?.replay).toMatchObject({ replayedToOffset: 0, actor: 'dlq-test-operator' });
  });

  it('refuses a letter without its origin (exit 1), and replays again only with --force', async () => {
    const refused = await cdc(['replay', '--topic', 'partners', '--offset', '3']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`cannot replay ${partnersDlq}/3: no cdc-original-partition header`);

    const forced = await cdc(['replay', '--topic', 'partners', '--offset', '0', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`replayed      ${partnersDlq}/0 → ${partners}[1] at offset 1`);
    const onPartition1 = (await readAll(partners)).filter((record) => record.partition === 1);
    expect(onPartition1.map((record) => record.offset)).toEqual([0, 1]);
    const { rows } = await db.query<{ replayed_to_offset: number }>(
      `SELECT replayed_to_offset::int FROM cdc.dlq_replays WHERE dlq_topic = $1 AND dlq_offset = 0`,
      [partnersDlq],
    );
    expect(rows).toEqual([{ replayed_to_offset: 1 }]);
  });

  it('tells a second operator that a replay of the topic is running, and replays nothing', async () => {
    // The test's own connection plays the other operator's run, holding its lock.
    expect(await tryLockReplays(db, [partnersDlq])).toEqual([]);
    try {
      const result = await cdc(['replay', '--topic', 'partners', '--offset', '2']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`another replay of ${partnersDlq} is running`);
    } finally {
      await unlockReplays(db);
    }
    expect((await readAll(partners)).filter((record) => record.partition === 0)).toHaveLength(1);
  });
});
