/**
 * The pure half of `cdc dlq`: reading a dead letter's headers, which DLQ topics a command looks at, and what a
 * replay does with each selected letter (replay, skip, refuse) before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { createConnectorCatalogue } from '../../connectors/catalogue.ts';
import type { ConnectorDefinition } from '../../connectors/types.ts';
import { deadLetterHeaders, replayedFromHeader } from '../../lib/kafka/dead-letters.ts';
import type { TopicRecord } from '../../lib/kafka/read-to-end.ts';
import { type DeadLetter, parseDeadLetter } from '../../services/ops/dlq/dead-letter.ts';
import { resolveDlqTopics } from '../../services/ops/dlq/dlq-topics.ts';
import { replayHeaders } from '../../services/ops/dlq/replay.ts';
import { missingOffsets, planReplay } from '../../services/ops/dlq/replay-plan.ts';
import type { ReplayRecord } from '../../services/ops/dlq/replay-records.ts';

const dlqTopic = 'core.public.notes.dlq';

function record(offset: number, headers: Record<string, string>): TopicRecord {
  return {
    topic: dlqTopic,
    partition: 0,
    offset,
    timestamp: Date.UTC(2026, 10, 21, 12),
    key: Buffer.from('key'),
    value: Buffer.from('value bytes'),
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [Buffer.from(value)]])),
  };
}

const origin = (partition: string, offset: string, topic = 'core.public.notes') => ({
  [deadLetterHeaders.errorCode]: 'DECODE_FAILED',
  [deadLetterHeaders.errorMessage]: 'bad magic byte',
  [deadLetterHeaders.originalTopic]: topic,
  [deadLetterHeaders.originalPartition]: partition,
  [deadLetterHeaders.originalOffset]: offset,
});

describe('parseDeadLetter', () => {
  it('reads the cause and origin, sizes only, and keeps the bytes only when asked', () => {
    const letter = parseDeadLetter(record(4, origin('2', '40')));
    expect(letter).toEqual({
      dlqTopic,
      dlqOffset: 4,
      originalTopic: 'core.public.notes',
      originalPartition: 2,
      originalOffset: 40,
      errorCode: 'DECODE_FAILED',
      errorMessage: 'bad magic byte',
      deadLetteredAt: '2026-11-21T12:00:00.000Z',
      keyBytes: 3,
      valueBytes: 11,
      problem: undefined,
    });
    expect(parseDeadLetter(record(4, origin('2', '40')), true).payload?.value?.toString()).toBe(
      'value bytes',
    );
  });

  it.each([
    [origin('x', '40'), 'cdc-original-partition is not a partition number'],
    [origin('-1', '40'), 'cdc-original-partition is not a partition number'],
    [origin('1', ''), 'no valid cdc-original-offset header'],
    [origin('1', '40', 'core.public.other'), 'its original topic core.public.other is not core.public.notes'],
    [{ [deadLetterHeaders.errorCode]: 'DECODE_FAILED' }, 'no cdc-original-topic header'],
  ])('names what makes a letter unreplayable: %j', (headers, problem) => {
    expect(parseDeadLetter(record(0, headers)).problem).toContain(problem);
  });
});

describe('planReplay', () => {
  const letters: DeadLetter[] = [
    parseDeadLetter(record(2, origin('1', '12')), true),
    parseDeadLetter(record(0, origin('0', '10')), true),
    parseDeadLetter(
      record(1, { ...origin('5', '11'), [deadLetterHeaders.errorCode]: 'CONSTRAINT_VIOLATION' }),
    ),
  ];
  const replayed = (dlqOffset: number, originalOffset: number): ReplayRecord => ({
    dlqTopic,
    dlqOffset,
    originalTopic: 'core.public.notes',
    originalPartition: 0,
    originalOffset,
    replayedToOffset: 99,
    actor: 'ops',
    replayedAt: '2026-11-21T13:00:00.000Z',
  });
  const partitions = new Map([['core.public.notes', 3]]);

  it('replays pending letters in DLQ order, refusing a partition the topic does not have', () => {
    const plan = planReplay({
      letters,
      replays: new Map(),
      partitions,
      selection: { kind: 'all-pending' },
      force: false,
    });
    expect(plan.map((decision) => [decision.letter.dlqOffset, decision.action])).toEqual([
      [0, 'replay'],
      [1, 'refuse'],
      [2, 'replay'],
    ]);
    expect(plan[1]).toMatchObject({ reason: 'core.public.notes has no partition 5 (it has 3)' });
  });

  it('skips a replayed letter unless forced; a record of an earlier topic of that name does not count', () => {
    const replays = new Map([[`${dlqTopic}/0`, replayed(0, 10)]]);
    const input = { letters, replays, partitions, selection: { kind: 'offsets', offsets: [0] } } as const;
    expect(planReplay({ ...input, force: false })[0]?.action).toBe('skip');
    expect(planReplay({ ...input, force: true })[0]?.action).toBe('replay');
    expect(planReplay({ ...input, force: false, selection: { kind: 'all-pending' } })).toHaveLength(2);

    const stale = new Map([[`${dlqTopic}/0`, replayed(0, 7)]]);
    expect(planReplay({ ...input, replays: stale, force: false })[0]?.action).toBe('replay');
  });

  it('selects by code, refuses a missing original topic, and reports offsets the DLQ does not hold', () => {
    const plan = planReplay({
      letters,
      replays: new Map(),
      partitions: new Map(),
      selection: { kind: 'code', code: 'DECODE_FAILED' },
      force: false,
    });
    expect(plan.map((decision) => [decision.letter.dlqOffset, decision.action])).toEqual([
      [0, 'refuse'],
      [2, 'refuse'],
    ]);
    expect(plan[0]).toMatchObject({ reason: 'the original topic core.public.notes does not exist' });
    expect(missingOffsets(letters, [0, 3, 7])).toEqual([3, 7]);
  });
});

describe('replayHeaders', () => {
  it('keeps the original headers, drops the DLQ bookkeeping and says where the copy came from', () => {
    const original = {
      ...record(0, origin('0', '1')).headers,
      traceparent: [Buffer.from('00-abc')],
      [replayedFromHeader]: [Buffer.from('older/1')],
    };
    const headers = replayHeaders(original, `${dlqTopic}/0`);
    expect(Object.keys(headers).sort()).toEqual([replayedFromHeader, 'traceparent']);
    expect(headers[replayedFromHeader]?.[0]?.toString()).toBe(`${dlqTopic}/0`);
  });
});

describe('resolveDlqTopics', () => {
  const notes: ConnectorDefinition = {
    name: 'notes',
    source: { schema: 'public', table: 'notes' },
    destination: { table: 'notes' },
  };
  const catalogue = createConnectorCatalogue([notes], 'core');
  const existing = new Set(['core.public.notes', dlqTopic, 'core.public.gone.dlq', 'other.public.x.dlq']);

  it("covers every connector's DLQ topic and those left behind under the prefix", () => {
    expect(resolveDlqTopics(catalogue, existing, [])).toEqual([
      { dlqTopic, sourceTopic: 'core.public.notes', connector: 'notes', exists: true },
      {
        dlqTopic: 'core.public.gone.dlq',
        sourceTopic: 'core.public.gone',
        connector: undefined,
        exists: true,
      },
    ]);
  });

  it('accepts a connector name, a topic or a DLQ topic, and names an unknown one', () => {
    for (const name of ['notes', 'core.public.notes', dlqTopic]) {
      expect(resolveDlqTopics(catalogue, existing, [name]).map((topic) => topic.dlqTopic)).toEqual([
        dlqTopic,
      ]);
    }
    expect(() => resolveDlqTopics(catalogue, existing, ['core.public.nope'])).toThrow(
      'no connector or dead-letter topic named core.public.nope',
    );
  });
});
