/**
 * up / down / status of the native stack: install what is missing, start what is not running, wait for real health
 * checks, and stop exactly the processes recorded in the pid files.
 */
import fs from 'node:fs';
import { StackError } from './errors.ts';
import { describeError, portAcceptsConnections, safeCheck, waitForHealth } from './health.ts';
import { progress } from './install.ts';
import { layout } from './layout.ts';
import { withStackLock } from './lock.ts';
import { isAlive, type PidState, pidState, removePidFile, stopProcess, writePidFile } from './process.ts';
import type { Health, Service } from './service.ts';
import { createStack, type Stack, stackServices } from './stack.ts';
import { host } from './topology.ts';

export interface ServiceStatus {
  service: string;
  address: string;
  /** Undefined for services without a process (the dbt venv). */
  pid: number | undefined;
  pidState: PidState['kind'] | 'n/a';
  health: Health;
  logFile: string;
}

function processState(service: Service): PidState | undefined {
  return service.process ? pidState(layout.pidFile(service.name), service.process.cmdlineMarkers) : undefined;
}

export async function statusOf(service: Service): Promise<ServiceStatus> {
  const state = processState(service);
  let health = await safeCheck(() => service.health());
  if (state && state.kind !== 'running' && health.ok) {
    // Something answers, but not a process we started (another stack, Docker): say so rather than claim it.
    health = { ok: false, detail: `answers, but no process of this stack (${describeState(state)})` };
  }
  return {
    service: service.name,
    address: service.address,
    pid: state?.kind === 'running' ? state.pid : undefined,
    pidState: state?.kind ?? 'n/a',
    health,
    logFile: service.logFile,
  };
}

function describeState(state: PidState): string {
  return state.kind === 'stale' ? `stale pid file: ${state.pid} ${state.reason}` : state.kind;
}

export async function status(stack: Stack = createStack()): Promise<ServiceStatus[]> {
  return Promise.all(stackServices(stack).map(statusOf));
}

/** Starts the service unless our process already runs, then waits for ready, configures, waits for healthy. */
async function ensureRunning(service: Service): Promise<void> {
  const spec = service.process;
  if (!spec) {
    await waitForHealth(service.name, () => service.health(), { timeoutMs: 15_000 });
    return;
  }
  const pidFile = layout.pidFile(service.name);
  const state = pidState(pidFile, spec.cmdlineMarkers);
  let pid: number;
  if (state.kind === 'running') {
    pid = state.pid;
  } else {
    if (state.kind === 'stale') {
      progress(`${service.name}: removing stale pid file (pid ${state.pid} ${state.reason})`);
      removePidFile(pidFile);
    }
    progress(`${service.name}: starting on ${service.address} (log ${service.logFile})`);
    pid = await spec.spawn();
    writePidFile(pidFile, pid);
  }
  const stillRunning = () => isAlive(pid);
  const withLog = (error: unknown) =>
    new StackError(
      error instanceof StackError ? error.reason : 'start-failed',
      `${service.name}: ${describeError(error)}; see ${service.logFile}`,
      { cause: error },
    );
  try {
    await waitForHealth(`${service.name} (pid ${pid})`, spec.ready, {
      timeoutMs: spec.startTimeoutMs,
      stillRunning,
    });
    await spec.configure?.();
    await waitForHealth(service.name, () => service.health(), { timeoutMs: 30_000, stillRunning });
  } catch (error) {
    throw withLog(error);
  }
}

async function installAndRun(service: Service): Promise<void> {
  await service.install();
  await ensureRunning(service);
}

/**
 * Postgres first (the registry stores its schemas there); Kafka and the dbt venv do not depend on it, so they
 * install and start alongside. The two Maven installs run one after the other, sharing ~/.m2.
 */
export async function up(stack: Stack = createStack()): Promise<ServiceStatus[]> {
  return withStackLock(async () => {
    // The common case (tests calling up before every run): everything installed, running and healthy.
    const current = await status(stack);
    const services = stackServices(stack);
    if (current.every((s) => s.health.ok) && services.every((service) => service.installed())) return current;
    fs.mkdirSync(layout.logsDir, { recursive: true });
    const postgres = installAndRun(stack.postgres);
    const kafkaInstalled = stack.kafka.install();
    // Sequential only to share ~/.m2 safely: a failed Kafka install is reported once, and the registry still tries.
    const registryInstalled = kafkaInstalled.catch(() => {}).then(() => stack.registry.install());
    const results = await Promise.allSettled([
      postgres,
      kafkaInstalled.then(() => ensureRunning(stack.kafka)),
      Promise.all([postgres, registryInstalled]).then(() => ensureRunning(stack.registry)),
      installAndRun(stack.dbtVenv),
      installAndRun(stack.opsTools),
    ]);
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    const statuses = await status(stack);
    if (failures.length > 0) {
      throw Object.assign(
        new StackError('start-failed', failures.map((failure) => describeError(failure)).join('\n'), {
          cause: failures[0],
        }),
        { statuses },
      );
    }
    return statuses;
  });
}

export interface StopReport {
  service: string;
  outcome: 'stopped' | 'killed' | 'not running' | 'stale pid file removed';
  pid?: number;
}

async function stopService(service: Service): Promise<StopReport> {
  const spec = service.process;
  if (!spec) return { service: service.name, outcome: 'not running' };
  const pidFile = layout.pidFile(service.name);
  const state = pidState(pidFile, spec.cmdlineMarkers);
  if (state.kind === 'absent') return { service: service.name, outcome: 'not running' };
  if (state.kind === 'stale') {
    removePidFile(pidFile);
    return { service: service.name, outcome: 'stale pid file removed', pid: state.pid };
  }
  progress(`${service.name}: stopping pid ${state.pid} (${spec.stopSignal})`);
  const how = await stopProcess(state.pid, spec.cmdlineMarkers, spec.stopSignal, spec.stopTimeoutMs);
  removePidFile(pidFile);
  return { service: service.name, outcome: how === 'clean' ? 'stopped' : 'killed', pid: state.pid };
}

/** The registry and Kafka first (the registry holds connections to Postgres), then Postgres. */
export async function down(stack: Stack = createStack()): Promise<StopReport[]> {
  return withStackLock(async () => {
    const first = await Promise.all([stopService(stack.registry), stopService(stack.kafka)]);
    const reports = [...first, await stopService(stack.postgres)];
    for (const service of stackServices(stack)) {
      if (service.port !== undefined && (await portAcceptsConnections(host, service.port))) {
        progress(`warning: port ${service.port} still answers, from a process this stack did not start`);
      }
    }
    return reports;
  });
}
