/**
 * The verdicts on a gathered state: one check per thing that can be wrong, each with a level and the next step
 * for the person on call. Pure: the thresholds come from the `health` configuration section, which the
 * Prometheus alert rules mirror.
 */
import type { Config } from '../../../lib/config/index.ts';
import type { CheckLevel, HealthCheck, PipelineState } from './state.ts';

export type HealthThresholds = Config<'health'>['health'];

type Facts = Omit<PipelineState, 'level' | 'checks'>;

const levels: readonly CheckLevel[] = ['ok', 'warn', 'fail'];

export function worstLevel(checks: readonly HealthCheck[]): CheckLevel {
  return checks.reduce<CheckLevel>(
    (worst, check) => (levels.indexOf(check.level) > levels.indexOf(worst) ? check.level : worst),
    'ok',
  );
}

const bytes = (value: number) =>
  value >= 1024 ** 3
    ? `${(value / 1024 ** 3).toFixed(1)} GiB`
    : value >= 1024 ** 2
      ? `${(value / 1024 ** 2).toFixed(1)} MiB`
      : `${Math.round(value / 1024)} KiB`;

export const duration = (seconds: number) =>
  seconds >= 3600
    ? `${(seconds / 3600).toFixed(1)} h`
    : seconds >= 120
      ? `${Math.round(seconds / 60)} min`
      : `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;

function sourceChecks(facts: Facts): HealthCheck[] {
  return facts.errors
    .filter((error) => ['core', 'kafka', 'analytics'].includes(error.source))
    .map((error) => ({
      id: `source.${error.source}`,
      level: 'fail' as const,
      summary: `cannot read the ${error.source} ${error.source === 'kafka' ? 'cluster' : 'database'}: ${error.message}`,
      hint: 'the rest of this report may be incomplete; check connectivity and credentials',
    }));
}

function readerCheck(facts: Facts): HealthCheck {
  const { slot, reachable, streaming } = facts.reader;
  const id = 'reader.streaming';
  if (facts.errors.some((error) => error.source === 'core')) {
    return { id, level: 'fail', summary: 'slot state unknown (the core database cannot be read)' };
  }
  if (!slot.exists) {
    return {
      id,
      level: 'fail',
      summary: `replication slot ${slot.name} does not exist: nothing is captured`,
      hint: 'start the reader (npm run reader); it creates the slot and snapshots the tables',
    };
  }
  if (slot.walStatus === 'lost' || slot.walStatus === 'unreserved') {
    return {
      id,
      level: 'fail',
      summary: `slot ${slot.name} WAL status is ${slot.walStatus}: changes are being or have been lost`,
      hint: 'the slot must be dropped and the tables snapshotted again (see README, operations)',
    };
  }
  if (!slot.active) {
    return {
      id,
      level: 'fail',
      summary: `no reader is streaming slot ${slot.name}${reachable ? ' (the reader answers but is not streaming)' : ''}`,
      hint: 'check the reader pods/process and its logs; the slot retains WAL meanwhile',
    };
  }
  return {
    id,
    level: 'ok',
    summary: `slot ${slot.name} is streamed${streaming === false ? ' (by an instance not reporting here)' : ''}`,
  };
}

function slotLagCheck(facts: Facts, thresholds: HealthThresholds): HealthCheck {
  const { lagBytes, lagSeconds } = facts.reader.slot;
  const id = 'slot.lag';
  if (lagBytes === null) return { id, level: 'ok', summary: 'slot lag unknown' };
  const seconds = lagSeconds === null ? '' : `, ${duration(lagSeconds)} behind`;
  const summary = `slot retains ${bytes(lagBytes)} of WAL${seconds}`;
  const hint =
    'the reader is behind or stuck: check its logs and Kafka; the core disk fills while this grows';
  if (lagBytes > thresholds.slotLagBytes.fail) return { id, level: 'fail', summary, hint };
  if (lagBytes > thresholds.slotLagBytes.warn) return { id, level: 'warn', summary, hint };
  return { id, level: 'ok', summary };
}

function consumerChecks(facts: Facts, thresholds: HealthThresholds): HealthCheck[] {
  return facts.consumers.map((group) => {
    const id = `consumer.${group.groupId}`;
    const lag = `${group.lagMessages.toLocaleString('en-US')} messages${
      group.lagSeconds ? `, oldest waiting ${duration(group.lagSeconds)}` : ''
    }`;
    if (group.members === 0 && group.partitions.length > 0) {
      return {
        id,
        level: 'fail' as const,
        summary: `no sink is consuming group ${group.groupId} (lag ${lag})`,
        hint: 'start the sink (npm run sink) or check its pods; nothing is lost, it resumes from its cursor',
      };
    }
    const level: CheckLevel =
      (group.lagSeconds ?? 0) > thresholds.consumerLagSeconds.fail
        ? 'fail'
        : (group.lagSeconds ?? 0) > thresholds.consumerLagSeconds.warn
          ? 'warn'
          : 'ok';
    return {
      id,
      level,
      summary: `group ${group.groupId}: ${group.members} member(s), lag ${lag}`,
      ...(level === 'ok'
        ? {}
        : { hint: 'the sink is slower than the stream or stuck: check its logs and the analytics database' }),
    };
  });
}

function dlqCheck(facts: Facts): HealthCheck {
  const pending = facts.dlq.reduce((total, dlq) => total + dlq.pending, 0);
  if (pending === 0) return { id: 'dlq.pending', level: 'ok', summary: 'no dead letter waiting' };
  const topics = facts.dlq.filter((dlq) => dlq.pending > 0).map((dlq) => `${dlq.topic} (${dlq.pending})`);
  return {
    id: 'dlq.pending',
    level: 'warn',
    summary: `${pending} dead letter(s) not replayed: ${topics.join(', ')}`,
    hint: 'npm run cdc -- dlq list; fix the cause, then cdc dlq replay',
  };
}

function pausedCheck(facts: Facts): HealthCheck {
  const paused = [
    ...facts.pausedTables.map((table) => `${table.rawTable} (sink: ${table.reason})`),
    ...facts.reader.pausedTables.map((table) => `${table} (reader)`),
  ];
  if (paused.length === 0) return { id: 'tables.paused', level: 'ok', summary: 'no table paused' };
  return {
    id: 'tables.paused',
    level: 'fail',
    summary: `paused: ${paused.join('; ')}`,
    hint: 'a schema change the raw table cannot take, or an operator pause: see the reason; cdc resume <table>',
  };
}

/** A repair takes seconds (the reader re-reads the keys at once); rows still waiting after this are stuck. */
const repairStuckSeconds = 600;

function repairCheck(facts: Facts): HealthCheck {
  const id = 'repairs.pending';
  const rows = facts.repairs.reduce((total, repair) => total + repair.rows, 0);
  if (rows === 0) return { id, level: 'ok', summary: 'no row waiting for a repair from core' };
  const oldest = Math.max(...facts.repairs.map((repair) => repair.oldestSeconds));
  const tables = facts.repairs.map((repair) => `${repair.rawTable} (${repair.rows})`).join(', ');
  const summary = `${rows} row(s) waiting for a re-read from core (unchanged TOAST the sink could not fill), oldest ${duration(oldest)}: ${tables}`;
  if (oldest < repairStuckSeconds) return { id, level: 'ok', summary };
  return {
    id,
    level: 'warn',
    summary,
    hint:
      'the reader serves repair requests while it streams: check that it streams (reader.streaming) and its ' +
      'logs for "repair request"; the sink asks again by itself (cdc_sink_repair_requests_total)',
  };
}

function martsCheck(facts: Facts, thresholds: HealthThresholds): HealthCheck {
  const { freshnessSeconds, consecutiveFailures, lastRun } = facts.marts;
  const id = 'marts.freshness';
  if (facts.errors.some((error) => error.source === 'analytics')) {
    return { id, level: 'fail', summary: 'marts state unknown (the analytics database cannot be read)' };
  }
  if (freshnessSeconds === null) {
    return {
      id,
      level: 'warn',
      summary: 'no successful marts build yet',
      hint: 'start the marts builder (npm run marts)',
    };
  }
  const failures =
    consecutiveFailures > 0
      ? `; ${consecutiveFailures} failed build(s) since (${lastRun?.error ?? 'see cdc.marts_runs'})`
      : '';
  const summary = `marts complete up to ${duration(freshnessSeconds)} ago${failures}`;
  const hint = 'check the marts builder logs and cdc.marts_runs; the marts wait for the sink (watermark)';
  if (freshnessSeconds > thresholds.martsFreshnessSeconds.fail) return { id, level: 'fail', summary, hint };
  if (freshnessSeconds > thresholds.martsFreshnessSeconds.warn || consecutiveFailures > 0) {
    return { id, level: 'warn', summary, hint };
  }
  return { id, level: 'ok', summary };
}

function scrapeChecks(facts: Facts): HealthCheck[] {
  return facts.errors
    .filter((error) => ['reader', 'sink', 'marts'].includes(error.source))
    .map((error) => ({
      id: `metrics.${error.source}`,
      level: 'warn' as const,
      summary: `the ${error.source === 'marts' ? 'marts builder' : error.source}'s /metrics did not answer: ${error.message}`,
      hint: 'figures only that service knows (latency, slot lag in seconds, snapshots) are missing',
    }));
}

export function evaluateHealth(facts: Facts, thresholds: HealthThresholds): HealthCheck[] {
  return [
    ...sourceChecks(facts),
    readerCheck(facts),
    slotLagCheck(facts, thresholds),
    ...consumerChecks(facts, thresholds),
    pausedCheck(facts),
    dlqCheck(facts),
    repairCheck(facts),
    martsCheck(facts, thresholds),
    ...scrapeChecks(facts),
  ];
}
