import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logging/index.ts';
import type { PipelineState } from '../../../services/ops/pipeline-state/state.ts';
import { RingBuffer } from '../../../services/ops/server/ring-buffer.ts';
import { deriveSample, ratePerSecond, sampleTime } from '../../../services/ops/server/sample.ts';
import { Sampler, type SamplerEvent, type StateSource } from '../../../services/ops/server/sampler.ts';
import { pipelineState, scriptedSource } from './fixtures.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('sample derivation', () => {
  it('differentiates the counters of successive states into rates per second', () => {
    const first = pipelineState(0);
    const second = pipelineState(1); // 5 s later: +500 reader, +500 topic, +400 sink, +1 dead letter
    const t0 = sampleTime(first, 0);
    const t1 = sampleTime(second, 0);
    expect(t1 - t0).toBe(5_000);
    expect(deriveSample(first, t0).rates).toEqual({
      readerChangesPerSec: null,
      topicMessagesPerSec: null,
      sinkMessagesPerSec: null,
      deadLettersPerSec: null,
    });
    const sample = deriveSample(second, t1, { t: t0, counters: first.counters });
    expect(sample.rates).toEqual({
      readerChangesPerSec: 100,
      topicMessagesPerSec: 100,
      sinkMessagesPerSec: 80,
      deadLettersPerSec: 0.2,
    });
  });

  it('takes latency percentiles over the interval, and over the new counts after a sink restart', () => {
    const first = pipelineState(0);
    const second = pipelineState(1);
    // The interval's 100 changes: p50 at the 0.25 s bound, p95 at 1 s, p99 four fifths into (1, 2.5].
    const latency = deriveSample(second, 5_000, { t: 0, counters: first.counters }).latency;
    expect(latency.p50).toBeCloseTo(0.25, 10);
    expect(latency.p95).toBeCloseTo(1, 10);
    expect(latency.p99).toBeCloseTo(2.2, 10);
    // A restarted sink's counters begin again (lower than before): its own counts are the interval.
    const restarted = deriveSample(first, 5_000, { t: 0, counters: pipelineState(3).counters }).latency;
    expect(restarted.p95).toBeCloseTo(1, 10);
    // Nothing applied in the interval: no percentile, not a stale one.
    expect(deriveSample(first, 5_000, { t: 0, counters: first.counters }).latency).toEqual({
      p50: null,
      p95: null,
      p99: null,
    });
  });

  it('counts a counter that went down (a restart) as no progress, and an unknown one as unknown', () => {
    expect(ratePerSecond(1_000, 10, 5)).toBe(0);
    expect(ratePerSecond(null, 10, 5)).toBeNull();
    expect(ratePerSecond(10, null, 5)).toBeNull();
    expect(ratePerSecond(10, 20, 0)).toBeNull();
    const before = pipelineState(3);
    const restarted: PipelineState = { ...before, counters: { ...before.counters, readerChanges: 7 } };
    const sample = deriveSample(restarted, 10_000, { t: 5_000, counters: before.counters });
    expect(sample.rates.readerChangesPerSec).toBe(0);
    expect(sample.rates.topicMessagesPerSec).toBe(0);
  });

  it('keys consumer lag by topic/partition, keeping the worst group, and totals it', () => {
    const state = pipelineState(0);
    const [group] = state.consumers;
    if (!group) throw new Error('fixture has a group');
    const laggard = {
      ...group,
      groupId: 'other',
      partitions: group.partitions.map((partition) => ({
        ...partition,
        lagMessages: 50_000,
        lagSeconds: null,
      })),
      lagMessages: 150_000,
      lagSeconds: null,
    };
    const sample = deriveSample({ ...state, consumers: [group, laggard] }, 0);
    expect(sample.consumerLag['core.public.clicks/0']).toEqual({ messages: 50_000, seconds: null });
    expect(Object.keys(sample.consumerLag).sort()).toEqual([
      'core.public.clicks/0',
      'core.public.clicks/1',
      'core.public.partners/0',
    ]);
    expect(sample.lagMessagesTotal).toBe(group.lagMessages + 150_000);
    expect(sample.lagSecondsMax).toBeNull();
    const single = deriveSample(state, 0);
    expect(single.lagSecondsMax).toBe(3);
    expect(single.slotLagBytes).toBe(1_536);
    expect(single.martsFreshnessSeconds).toBe(95);
    // Latency is over the interval since the previous sample: none before the second one.
    expect(single.latency).toEqual({ p50: null, p95: null, p99: null });
    expect(single.level).toBe('ok');
  });

  it('falls back to the sampler clock when the state time is not parseable', () => {
    expect(sampleTime({ ...pipelineState(0), at: 'yesterday' }, 42)).toBe(42);
  });
});

describe('ring buffer', () => {
  it('keeps the newest items up to its capacity, oldest first', () => {
    const buffer = new RingBuffer<number>(3);
    expect(buffer.toArray()).toEqual([]);
    expect(buffer.last()).toBeUndefined();
    for (const item of [1, 2]) buffer.push(item);
    expect(buffer.toArray()).toEqual([1, 2]);
    for (const item of [3, 4, 5, 6, 7]) buffer.push(item);
    expect(buffer.toArray()).toEqual([5, 6, 7]);
    expect(buffer.size).toBe(3);
    expect(buffer.last()).toBe(7);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});

describe('sampler', () => {
  it('keeps a bounded history and filters it by time', async () => {
    const sampler = new Sampler({ source: scriptedSource(), logger, capacity: 3 });
    for (let index = 0; index < 5; index += 1) await sampler.sampleOnce();
    const history = sampler.history();
    expect(history.map((sample) => sample.lagMessagesTotal)).toEqual([1_634, 1_834, 2_034]);
    expect(sampler.history(history[1]?.t).map((sample) => sample.t)).toEqual([history[2]?.t]);
    expect(sampler.latest?.state.at).toBe(pipelineState(4).at);
  });

  it('survives failing collects: logs, tells subscribers, and samples again at the next tick', async () => {
    const source = scriptedSource({ failAt: [0, 2] });
    const sampler = new Sampler({ source, logger, intervalMs: 10 });
    const events: SamplerEvent['type'][] = [];
    sampler.subscribe((event) => events.push(event.type));
    sampler.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    expect(sampler.readiness().ok).toBe(false);
    sampler.start();
    await until(() => source.collects >= 5);
    await sampler.stop();
    expect(events.slice(0, 4)).toEqual(['collect-failed', 'sample', 'collect-failed', 'sample']);
    expect(sampler.readiness().ok).toBe(true);
    expect(sampler.history().length).toBeGreaterThanOrEqual(3);
    expect(sampler.liveness()).toEqual({ ok: false, detail: 'sampler stopped' });
  });

  it('never overlaps collects, and stop() waits for the one in flight', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let release: () => void = () => undefined;
    let calls = 0;
    const source: StateSource = {
      async collect() {
        calls += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        concurrent -= 1;
        return pipelineState(calls);
      },
    };
    const sampler = new Sampler({ source, logger, intervalMs: 1 });
    sampler.start();
    await until(() => calls === 1);
    await new Promise((resolve) => setTimeout(resolve, 30)); // many intervals pass while the collect hangs
    expect(calls).toBe(1);
    let stopped = false;
    const stopping = sampler.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(maxConcurrent).toBe(1);
    expect(sampler.latest).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(1);
  });

  it('reports a wedged collect through liveness', async () => {
    let now = 1_000;
    const source: StateSource = { collect: () => new Promise<PipelineState>(() => undefined) };
    const sampler = new Sampler({ source, logger, intervalMs: 5, stalledAfterMs: 60_000, now: () => now });
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sampler.liveness().ok).toBe(true);
    now += 61_000;
    expect(sampler.liveness()).toEqual({ ok: false, detail: 'a state collect has been running for 61 s' });
    void sampler.stop(); // never resolves: the collect never settles
  });
});
