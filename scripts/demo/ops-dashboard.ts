/**
 * The demo's ops service: the lag dashboard, fed by the demo's reader, sink and marts builder (their ops
 * ports), sampling every second so the charts move during the workload. At the end the demo prints the
 * pipeline's health as the dashboard saw it last.
 */
import path from 'node:path';
import type { PipelineState } from '../../services/ops/pipeline-state/state.ts';
import type { Sample } from '../../services/ops/server/sample.ts';
import { repoRoot, stackHome } from '../stack/topology.ts';
import { type ServiceProcess, startServiceProcess } from './service-process.ts';

export const demoDashboardPort = 9190;

export function startOpsDashboard(ports: {
  reader: number;
  sink: number;
  marts: number;
}): Promise<ServiceProcess> {
  const metricsUrl = (port: number) => `http://127.0.0.1:${port}/metrics`;
  return startServiceProcess({
    name: 'ops service',
    entry: path.join(repoRoot, 'services', 'ops', 'server', 'main.ts'),
    env: {
      OPS_SAMPLE_SECONDS: '1',
      OPS_READER_METRICS_URLS: metricsUrl(ports.reader),
      OPS_SINK_METRICS_URLS: metricsUrl(ports.sink),
      OPS_MARTS_METRICS_URLS: metricsUrl(ports.marts),
    },
    opsPort: demoDashboardPort,
    logFile: path.join(stackHome, 'logs', 'demo-ops.log'),
  });
}

/** The last state the ops service gathered, in a few lines: level, lag, latency, checks that are not ok. */
export async function printPipelineHealth(opsUrl: string): Promise<void> {
  const response = await fetch(`${opsUrl}/api/state`).catch(() => undefined);
  if (!response?.ok) {
    console.log(
      `    the ops service has no state to show (${response ? `HTTP ${response.status}` : 'unreachable'})`,
    );
    return;
  }
  const state = (await response.json()) as PipelineState;
  const lag = state.consumers.reduce((total, group) => total + group.lagMessages, 0);
  console.log(
    `    level ${state.level}; consumer lag ${lag} message(s); slot lag ${state.reader.slot.lagBytes ?? '?'} bytes`,
  );
  // The dashboard's samples hold the latency of each interval (1 s here): summarise the run's.
  const history = (await fetch(`${opsUrl}/api/history`)
    .then((reply) => reply.json())
    .catch(() => ({ samples: [] }))) as { samples: Sample[] };
  const p99s = history.samples.flatMap((sample) => (sample.latency.p99 === null ? [] : [sample.latency.p99]));
  if (p99s.length > 0) {
    const sorted = [...p99s].sort((a, b) => a - b);
    const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;
    console.log(
      `    commit-to-raw p99 per interval over ${p99s.length} busy interval(s): median ${ms(sorted[Math.floor(sorted.length / 2)] ?? 0)}, worst ${ms(sorted.at(-1) ?? 0)} (histogram buckets: an upper estimate)`,
    );
  }
  for (const check of state.checks.filter((candidate) => candidate.level !== 'ok')) {
    console.log(`    ${check.level}: ${check.id}: ${check.summary}`);
  }
}
